//! `GET /ui/purchasing/suggestions`: the reorder suggestions as the API gives them
//! (its filters, the summary, a page of lines, the CSV), and
//! `POST /ui/purchasing/suggestions`: the ticked under-stock lines, posted as they were
//! shown, made into draft purchase orders by the store call the API makes.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use switchyard_core::replenish::{
    AcceptedSuggestionInput, ReplenishmentOrderInput, StockState, SuggestionFilter, SuggestionLine, SuggestionQuery,
    SuggestionSummary,
};
use switchyard_core::{FieldError, Money};
use switchyard_store::PageRequest;

use super::super::{Typed, location_codes, next_link};
use crate::AppState;
use crate::api::replenishment::suggestions::suggestions_csv;
use crate::error::ApiError;
use crate::extract::perm;
use crate::ui::{Chrome, Errors, Staff, failed, render_status, see_other};

const PATH: &str = "/ui/purchasing/suggestions";

/// The filters as typed (the API's parameters), and the page's cursor.
#[derive(Debug, Default, Deserialize)]
pub struct SuggestionsQuery {
    #[serde(default)]
    location: String,
    #[serde(default)]
    supplier: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    sku: String,
    cursor: Option<String>,
}

impl SuggestionsQuery {
    fn from_form(form: &HashMap<String, String>) -> SuggestionsQuery {
        let field = |k: &str| form.get(k).cloned().unwrap_or_default();
        SuggestionsQuery {
            location: field("location"),
            supplier: field("supplier"),
            state: field("state"),
            sku: field("sku"),
            cursor: None,
        }
    }

    fn pairs(&self) -> [(&'static str, &str); 4] {
        [
            ("location", self.location.as_str()),
            ("supplier", self.supplier.as_str()),
            ("state", self.state.as_str()),
            ("sku", self.sku.as_str()),
        ]
    }

    /// Core's checked filters, or each bad one named.
    fn filter(&self) -> Result<SuggestionFilter, Vec<FieldError>> {
        let query = SuggestionQuery {
            location: Typed::text(&self.location),
            supplier: Typed::text(&self.supplier),
            state: Typed::text(&self.state),
            sku: Typed::text(&self.sku),
            ..SuggestionQuery::default()
        };
        query.parse()
    }

    /// The filters as a query string (blank ones left out).
    fn query(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.pairs().iter().filter(|(_, v)| !v.is_empty()) {
            query.append_pair(k, v);
        }
        query.finish()
    }
}

/// Amounts in several currencies, as the pages show money.
fn amounts(money: &[Money]) -> String {
    money.iter().map(Money::to_string).collect::<Vec<_>>().join(", ")
}

fn figure(v: f64) -> String {
    format!("{v:.1}")
}

/// What to order from one supplier.
pub struct SupplierRow {
    supplier: String,
    lines: usize,
    units: i64,
    value: String,
}

pub struct SummaryView {
    under: usize,
    over: usize,
    ok: usize,
    to_order: Vec<SupplierRow>,
    excess_units: i64,
    excess_value: String,
}

impl SummaryView {
    fn of(s: SuggestionSummary) -> SummaryView {
        SummaryView {
            under: s.under,
            over: s.over,
            ok: s.ok,
            to_order: s
                .to_order
                .into_iter()
                .map(|t| SupplierRow {
                    supplier: t.supplier.unwrap_or_default(),
                    lines: t.lines,
                    units: t.units,
                    value: amounts(&t.value),
                })
                .collect(),
            excess_units: s.excess_units,
            excess_value: amounts(&s.excess_value),
        }
    }
}

/// One line of the table; `accept` is what its checkbox posts (under-stock lines).
pub struct LineRow {
    sku: String,
    location: String,
    state: &'static str,
    reason: &'static str,
    position: i64,
    cover: String,
    reorder_point: String,
    order_up_to: String,
    quantity: String,
    supplier: String,
    value: String,
    accept: Option<AcceptRow>,
}

/// The hidden fields of an accepted line, as the API's `accept` says it.
pub struct AcceptRow {
    quantity: i64,
    supplier: String,
}

impl LineRow {
    fn of(l: SuggestionLine) -> LineRow {
        LineRow {
            state: l.state.as_str(),
            reason: l.reason.as_str(),
            position: l.position,
            cover: l.days_of_cover.map(figure).unwrap_or_default(),
            reorder_point: figure(l.reorder_point),
            order_up_to: figure(l.order_up_to),
            quantity: l.quantity.map(|q| q.get().to_string()).unwrap_or_default(),
            value: l.order_value.map(|m| m.to_string()).unwrap_or_default(),
            accept: l.accept.map(|a| AcceptRow {
                quantity: a.quantity.unwrap_or_default(),
                supplier: a.supplier.unwrap_or_default(),
            }),
            supplier: l.supplier.unwrap_or_default(),
            sku: l.sku,
            location: l.location,
        }
    }
}

#[derive(Template)]
#[template(path = "ui/stock/suggestions.html")]
struct SuggestionsPage {
    chrome: Chrome,
    q: SuggestionsQuery,
    locations: Vec<String>,
    states: Vec<String>,
    summary: Option<SummaryView>,
    rows: Vec<LineRow>,
    next: Option<String>,
    csv: Option<String>,
    /// The filters' errors, or why the drafts were not made (each line named).
    errors: Errors,
}

async fn show(s: &AppState, chrome: Chrome, q: SuggestionsQuery, mut errors: Errors, status: StatusCode) -> Response {
    let locations = match location_codes(s).await {
        Ok(l) => l,
        Err(e) => return failed(e),
    };
    let (mut summary, mut rows, mut next, mut csv) = (None, Vec::new(), None, None);
    match q.filter() {
        Ok(filter) => {
            let page = PageRequest {
                cursor: q.cursor.clone(),
                limit: None,
            };
            match s.store.replenishment_suggestions(&filter, Some(&page)).await {
                Ok(found) => {
                    next = next_link(PATH, &q.pairs(), found.next_cursor.as_deref());
                    csv = Some(match q.query() {
                        query if query.is_empty() => format!("{PATH}.csv"),
                        query => format!("{PATH}.csv?{query}"),
                    });
                    summary = Some(SummaryView::of(found.summary));
                    rows = found.data.into_iter().map(LineRow::of).collect();
                }
                Err(e) => errors = Errors::from_store(e),
            }
        }
        Err(e) => errors = Errors::fields(&e),
    }
    render_status(
        status,
        &SuggestionsPage {
            chrome,
            q,
            locations,
            states: StockState::ALL.iter().map(|s| s.as_str().to_owned()).collect(),
            summary,
            rows,
            next,
            csv,
            errors,
        },
    )
}

/// `GET /ui/purchasing/suggestions`
pub async fn page(staff: Staff, State(s): State<AppState>, Query(q): Query<SuggestionsQuery>) -> Response {
    show(&s, staff.chrome("purchasing"), q, Errors::default(), StatusCode::OK).await
}

/// `GET /ui/purchasing/suggestions.csv`: the API's CSV of the same filters.
pub async fn csv(_: Staff, State(s): State<AppState>, Query(q): Query<SuggestionsQuery>) -> Response {
    match q.filter() {
        Ok(filter) => suggestions_csv(&s, &filter).await.unwrap_or_else(failed),
        Err(e) => failed(ApiError::validation(e)),
    }
}

/// `POST /ui/purchasing/suggestions`: fields `accept` (the ticked lines' numbers),
/// per line `n` its `sku-n`, `location-n`, `quantity-n` and `supplier-n`, and the
/// filters to show the page again with.
pub async fn accept(
    staff: Staff<perm::ManageCatalog>,
    State(s): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let fields: HashMap<String, String> = form.iter().cloned().collect();
    let field = |k: String| fields.get(&k).cloned().unwrap_or_default();
    let mut typed = Typed::default();
    let mut named = Vec::new();
    let lines: Vec<AcceptedSuggestionInput> = form
        .iter()
        .filter(|(k, _)| k == "accept")
        .enumerate()
        .map(|(i, (_, n))| {
            let (sku, location) = (field(format!("sku-{n}")), field(format!("location-{n}")));
            named.push(format!("{sku} at {location}"));
            AcceptedSuggestionInput {
                quantity: typed.whole(&format!("/lines/{i}/quantity"), &field(format!("quantity-{n}"))),
                supplier: Typed::text(&field(format!("supplier-{n}"))),
                sku: Typed::text(&sku),
                location: Typed::text(&location),
            }
        })
        .collect();
    let input = ReplenishmentOrderInput {
        lines: Some(lines),
        supplier: None,
        currency: None,
    };
    let outcome = match typed.check(input.parse()) {
        Ok(order) => s
            .store
            .create_replenishment_drafts(&order, &staff.user().name)
            .await
            .map_err(Errors::from_store),
        Err(errors) => Err(errors),
    };
    match outcome {
        Ok(drafts) => {
            for po in &drafts {
                let detail = format!(
                    "{} for {}, from reorder suggestions",
                    po.summary.supplier.name, po.summary.location
                );
                staff
                    .audit(&s, "purchase_order_created", &po.summary.number, &detail)
                    .await;
            }
            see_other(&headers, "/ui/purchase-orders?status=draft")
        }
        Err(errors) => {
            // Each line's error, said with the line it is about.
            let mut said: Vec<String> = errors
                .iter()
                .map(|(f, m)| {
                    let line = f
                        .strip_prefix("lines/")
                        .and_then(|r| r.split('/').next()?.parse::<usize>().ok());
                    match line.and_then(|i| named.get(i)) {
                        Some(name) => format!("{name}: {m}"),
                        None => m.to_owned(),
                    }
                })
                .collect();
            said.extend(errors.summary.clone());
            let shown = Errors::summary(format!("No purchase orders were made. {}", said.join("; ")));
            let q = SuggestionsQuery::from_form(&fields);
            show(
                &s,
                staff.chrome("purchasing"),
                q,
                shown,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
