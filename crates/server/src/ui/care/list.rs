//! `GET /ui/orders`: the order list with the API's filters as a GET form, newest
//! first, a page at a time, and the user's saved views above it. A refused filter is
//! shown next to its field (422) and nothing is listed.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use switchyard_core::Spelled;
use switchyard_core::order::{FulfilmentStatus, OrderStatus};
use switchyard_core::order_list::FilterInput;
use switchyard_core::validation::Invalid;
use switchyard_store::catalog::CatalogFilter;
use switchyard_store::order::OrderFilter;
use switchyard_store::page::MAX_LIMIT;
use switchyard_store::saved_view::SavedView;
use switchyard_store::{PageRequest, StoreError};

use super::{OrderRow, cursor, next_href, unreadable};
use crate::AppState;
use crate::ui::{Chrome, Errors, Staff, failed, render_status};

pub const PATH: &str = "/ui/orders";

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(flatten)]
    filters: FilterInput,
    cursor: Option<String>,
    /// What the previous request did, for the notice: `saved`, `deleted`.
    done: Option<String>,
}

/// One option of a filter's `<select>`.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

fn choices<'a>(values: impl IntoIterator<Item = &'a str>, chosen: &Option<String>) -> Vec<Choice> {
    let chosen = chosen.as_deref().map(str::trim);
    values
        .into_iter()
        .map(|v| Choice {
            value: v.to_owned(),
            label: v.replace('_', " "),
            selected: chosen == Some(v),
        })
        .collect()
}

fn spellings<E: Spelled>(all: &[E]) -> impl Iterator<Item = &'static str> + '_ {
    all.iter().map(Spelled::spelling)
}

/// The save-a-view form as the user left it: the name typed and what was wrong.
#[derive(Default)]
pub struct ViewForm {
    pub name: String,
    pub errors: Errors,
}

#[derive(Template)]
#[template(path = "ui/care/orders.html")]
struct Page {
    chrome: Chrome,
    /// The filters as typed.
    form: FilterInput,
    errors: Errors,
    statuses: Vec<Choice>,
    fulfilments: Vec<Choice>,
    channels: Vec<Choice>,
    rows: Vec<OrderRow>,
    next: Option<String>,
    /// Whether this is a later page (a link back to the first is offered).
    paged: bool,
    views: Vec<SavedView>,
    view: ViewForm,
    notice: Option<&'static str>,
}

pub async fn page(
    staff: Staff,
    State(s): State<AppState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Response {
    let q = match query {
        Ok(Query(q)) => q,
        Err(e) => return unreadable(&e),
    };
    let notice = match q.done.as_deref() {
        Some("saved") => Some("The view is saved: it is in your views above the list."),
        Some("deleted") => Some("The view is deleted."),
        _ => None,
    };
    show(&staff, &s, q.filters, q.cursor, ViewForm::default(), notice).await
}

/// The list for `form` from `cursor` on, with the save-a-view form as `view` says.
pub async fn show(
    staff: &Staff,
    s: &AppState,
    form: FilterInput,
    raw_cursor: Option<String>,
    view: ViewForm,
    notice: Option<&'static str>,
) -> Response {
    let all = PageRequest {
        cursor: None,
        limit: Some(MAX_LIMIT),
    };
    let channels = match s.store.list_channels(&CatalogFilter::default(), &all).await {
        Ok(page) => page.data,
        Err(e) => return failed(e),
    };
    let views = match s.store.saved_views(&staff.user().id).await {
        Ok(views) => views,
        Err(e) => return failed(e),
    };
    let paged = raw_cursor.as_deref().is_some_and(|c| !c.is_empty());
    let mut errors = Errors::default();
    let (mut rows, mut next) = (Vec::new(), None);
    match (form.parse(), cursor(raw_cursor)) {
        (Ok(f), Ok(cursor)) => {
            let filter = OrderFilter {
                status: f.status,
                fulfilment_status: f.fulfilment_status,
                channel: f.channel,
                placed_from: f.placed_from,
                placed_to: f.placed_to,
                updated_since: None,
                q: f.q,
            };
            match s.store.list_orders(&filter, &PageRequest { cursor, limit: None }).await {
                Ok(page) => {
                    rows = page.data.iter().map(OrderRow::from).collect();
                    next = next_href(PATH, &form.query(), page.next_cursor.as_deref());
                }
                Err(StoreError::NotFound {
                    resource: "channel", ..
                }) => errors = Errors::fields(&[Invalid::new("not_found", "names no channel").at("channel")]),
                Err(e) => return failed(e),
            }
        }
        (filters, cursor) => {
            errors = Errors::fields(&filters.err().unwrap_or_default());
            if cursor.is_err() {
                errors.summary =
                    Some("The link to this page of the list is broken: start again from the first page.".into());
            }
        }
    }
    let status = if errors.is_empty() && view.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = Page {
        chrome: staff.chrome("orders"),
        statuses: choices(spellings(OrderStatus::ALL), &form.status),
        fulfilments: choices(spellings(FulfilmentStatus::ALL), &form.fulfilment_status),
        channels: choices(channels.iter().map(|c| c.code.as_str()), &form.channel),
        form,
        errors,
        rows,
        next,
        paged,
        views,
        view,
        notice,
    };
    render_status(status, &page)
}
