//! The returns portal of an order's status link: `GET/POST /orders/status/{token}/return`
//! lets the customer pick, per line, how many units to send back (within what
//! `core::returns::open_lines` says is still returnable in the channel's window) and
//! why. The return is opened with the same store call as `POST /api/v1/returns`, by
//! `core::returns::self_service_actor`, and authorized at once when
//! `self_service_authorizes` says so; the customer then sees its RMA number and label
//! (`GET .../returns/{rma}` and `.../returns/{rma}/label.pdf`, only for returns of the
//! link's order). The link's token is the form's secret: another site cannot post it.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use switchyard_core::FieldError;
use switchyard_core::id::OrderId;
use switchyard_core::returns::{
    self as rules, Authorization, OpenLine, ReturnInput, ReturnLineInput, ReturnReason, open_lines, self_service_actor,
    self_service_authorizes,
};
use switchyard_store::StoreError;
use switchyard_store::order::Order;
use switchyard_store::returns::Return;

use super::track::{brand, day};
use super::{answer, failed, not_found, order_link, page};
use crate::AppState;
use crate::ui::Errors;

/// The form field of the customer's note (as `ReturnInput` names it).
const NOTE_FIELD: &str = "customer_note";

fn quantity_field(line_no: i64) -> String {
    format!("qty_{line_no}")
}

fn reason_field(line_no: i64) -> String {
    format!("reason_{line_no}")
}

/// A line the customer may pick, with what they typed and what was wrong with it.
pub struct Pick {
    pub line_no: i64,
    pub title: String,
    pub sku: String,
    pub returnable: i64,
    pub closes_on: String,
    pub quantity: String,
    pub reason: String,
    pub quantity_error: Option<String>,
    pub reason_error: Option<String>,
}

#[derive(Template)]
#[template(path = "public/return.html")]
struct ReturnPage {
    brand: String,
    token: String,
    number: String,
    picks: Vec<Pick>,
    reasons: Vec<(&'static str, &'static str)>,
    note: String,
    note_error: Option<String>,
    summary: Option<String>,
}

/// What the portal needs of a live link: the order, its channel's name, and the lines
/// open for return now.
struct Portal {
    order: Order,
    brand: String,
    open: Vec<OpenLine>,
}

async fn portal(s: &AppState, token: &str) -> Result<Portal, Response> {
    let id = order_link(s, token).await?;
    let load = async {
        let order = s.store.order(id.as_str()).await?;
        let channel = s.store.channel(order.summary.channel_id.as_str()).await?;
        let returnable = s.store.returnable(&id).await?;
        Ok::<_, StoreError>(Portal {
            open: open_lines(&returnable.lines, s.store.now(), returnable.window_days),
            brand: brand(&channel),
            order,
        })
    };
    load.await.map_err(failed)
}

/// The page for an order with nothing to send back (now).
fn nothing(status: StatusCode, portal: &Portal, token: &str) -> Response {
    page(
        status,
        "Nothing to return",
        &format!(
            "<p id=\"nothing-to-return\">Nothing on order {} can be returned online: its return window has \
             closed, nothing has been delivered yet, or everything is already on a return.</p>\
             <p><a href=\"/orders/status/{}\">Back to your order</a></p>",
            super::escape(&portal.order.summary.number),
            super::escape(token)
        ),
    )
}

fn picks(portal: &Portal, fields: &[(String, String)]) -> Vec<Pick> {
    let typed = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    portal
        .open
        .iter()
        .filter_map(|open| {
            let line = portal.order.lines.iter().find(|l| l.line_no == open.line_no)?;
            Some(Pick {
                line_no: open.line_no,
                title: line.title.clone(),
                sku: line.sku.clone(),
                returnable: open.returnable,
                closes_on: day(open.closes),
                quantity: typed(&quantity_field(open.line_no)),
                reason: typed(&reason_field(open.line_no)),
                quantity_error: None,
                reason_error: None,
            })
        })
        .collect()
}

fn render(
    status: StatusCode,
    portal: &Portal,
    token: &str,
    picks: Vec<Pick>,
    note: String,
    errors: Errors,
) -> Response {
    let form = ReturnPage {
        brand: portal.brand.clone(),
        token: token.to_owned(),
        number: portal.order.summary.number.clone(),
        picks,
        reasons: ReturnReason::ALL
            .iter()
            .map(|r| (r.as_str(), r.for_customer()))
            .collect(),
        note,
        note_error: errors.get(NOTE_FIELD).map(str::to_owned),
        summary: errors.summary.clone(),
    };
    answer(status, &form)
}

/// `GET /orders/status/{token}/return`
pub async fn form(State(s): State<AppState>, Path(token): Path<String>) -> Response {
    let portal = match portal(&s, &token).await {
        Ok(portal) => portal,
        Err(page) => return page,
    };
    if portal.open.is_empty() {
        return nothing(StatusCode::OK, &portal, &token);
    }
    let picks = picks(&portal, &[]);
    render(StatusCode::OK, &portal, &token, picks, String::new(), Errors::default())
}

/// `POST /orders/status/{token}/return`: opens the return and shows it (303), or the
/// form again with what was wrong next to each field and what was picked.
pub async fn request(
    State(s): State<AppState>,
    Path(token): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let portal = match portal(&s, &token).await {
        Ok(portal) => portal,
        Err(page) => return page,
    };
    if portal.open.is_empty() {
        return nothing(StatusCode::UNPROCESSABLE_ENTITY, &portal, &token);
    }
    let mut picks = picks(&portal, &fields);
    let note = fields
        .iter()
        .find(|(n, _)| n == NOTE_FIELD)
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    // The lines asked for, in the order of `asked` (core reports problems by index).
    let mut asked: Vec<usize> = Vec::new();
    let mut lines = Vec::new();
    let mut typos = false;
    for (k, pick) in picks.iter_mut().enumerate() {
        let quantity = match pick.quantity.as_str() {
            "" | "0" => continue,
            raw => match raw.parse::<i64>() {
                Ok(n) => n,
                Err(_) => {
                    pick.quantity_error = Some(format!("enter a number from 0 to {}", pick.returnable));
                    typos = true;
                    continue;
                }
            },
        };
        asked.push(k);
        lines.push(ReturnLineInput {
            line_no: Some(pick.line_no),
            quantity: Some(quantity),
            reason: ReturnReason::parse(&pick.reason).ok(),
            note: None,
        });
    }
    let input = ReturnInput {
        order: Some(portal.order.summary.number.clone()),
        lines: Some(lines),
        customer_note: Some(note.clone()).filter(|n| !n.trim().is_empty()),
    };
    let refused = |mut picks: Vec<Pick>, errors: Vec<FieldError>| {
        let mut summary = Errors::default();
        for e in errors {
            let mut path = e.field.trim_start_matches('/').split('/');
            match (
                path.next(),
                path.next().and_then(|i| i.parse::<usize>().ok()),
                path.next(),
            ) {
                (Some("lines"), Some(i), field) => {
                    if let Some(pick) = asked.get(i).and_then(|k| picks.get_mut(*k)) {
                        if field == Some("reason") {
                            pick.reason_error = Some(e.message);
                        } else {
                            pick.quantity_error = Some(e.message);
                        }
                    }
                }
                (Some("lines"), None, _) => {
                    summary.summary = Some("Choose how many of at least one item you are sending back.".into());
                }
                (Some(NOTE_FIELD), _, _) => summary = Errors::fields(&[e]),
                _ => summary.summary = Some(e.message),
            }
        }
        render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &portal,
            &token,
            picks,
            note.clone(),
            summary,
        )
    };
    let draft = match input.parse() {
        Ok(draft) if !typos => draft,
        Ok(_) => return refused(picks, Vec::new()),
        Err(errors) => return refused(picks, errors),
    };
    let actor = self_service_actor();
    let ret = match s.store.request_return(&draft, &actor.name).await {
        Ok(ret) => ret,
        Err(StoreError::Invalid(errors)) => return refused(picks, errors),
        Err(e) => return failed(e),
    };
    let number = ret.summary.number;
    if self_service_authorizes(&draft)
        && let Err(e) = s
            .store
            .authorize_return(&number, &Authorization::default(), &actor)
            .await
    {
        // The return stands, requested: staff authorize it as any other.
        tracing::error!(error = %e, rma = %number, "a customer's return could not be authorized at once");
    }
    Redirect::to(&format!("/orders/status/{token}/returns/{number}")).into_response()
}

/// The return `rma` of the link's order; "not found" for any other.
async fn return_of(s: &AppState, token: &str, rma: &str) -> Result<(OrderId, Return), Response> {
    let order = order_link(s, token).await?;
    match s.store.return_request(rma).await {
        Ok(ret) if ret.summary.order_id == order => Ok((order, ret)),
        Ok(_) => Err(not_found()),
        Err(e) => Err(failed(e)),
    }
}

#[derive(Template)]
#[template(path = "public/returned.html")]
struct ReturnedPage {
    brand: String,
    token: String,
    number: String,
    order_number: String,
    status: &'static str,
    items: Vec<(i64, String, &'static str)>,
    /// Where to send the items, when it has a label.
    send_to: Option<Vec<String>>,
}

/// `GET /orders/status/{token}/returns/{rma}`: the return, with its label when it has one.
pub async fn requested(State(s): State<AppState>, Path((token, rma)): Path<(String, String)>) -> Response {
    let (order, ret) = match return_of(&s, &token, &rma).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let load = async {
        let order = s.store.order(order.as_str()).await?;
        let channel = s.store.channel(order.summary.channel_id.as_str()).await?;
        Ok::<_, StoreError>((order, channel))
    };
    let (order, channel) = match load.await {
        Ok(found) => found,
        Err(e) => return failed(e),
    };
    let summary = &ret.summary;
    let send_to = rules::label(&summary.number, summary.authorized_at, ret.ship_to.as_ref())
        .ok()
        .map(|(to, _)| {
            [
                Some(to.name.clone()),
                to.company.clone(),
                Some(to.line1.clone()),
                to.line2.clone(),
                Some(to.city.clone()),
                to.postal_code.clone(),
                Some(to.country.clone()),
            ]
            .into_iter()
            .flatten()
            .collect()
        });
    answer(
        StatusCode::OK,
        &ReturnedPage {
            brand: brand(&channel),
            token,
            number: summary.number.clone(),
            order_number: summary.order_number.clone(),
            status: summary.status.for_customer(),
            items: ret
                .lines
                .iter()
                .map(|l| {
                    let title = order
                        .lines
                        .iter()
                        .find(|o| o.line_no == l.line_no)
                        .map_or_else(|| l.sku.clone(), |o| o.title.clone());
                    (l.quantity, title, l.reason.for_customer())
                })
                .collect(),
            send_to,
        },
    )
}

/// `GET /orders/status/{token}/returns/{rma}/label.pdf`: the label of an authorized
/// return of the link's order, as the API prints it.
pub async fn label(State(s): State<AppState>, Path((token, rma)): Path<(String, String)>) -> Response {
    let ret = match return_of(&s, &token, &rma).await {
        Ok((_, ret)) => ret,
        Err(page) => return page,
    };
    match crate::api::returns::label_pdf_file(&ret).await {
        Ok(pdf) => pdf,
        // Drawing it failed (logged where it failed).
        Err(e) if e.status().is_server_error() => super::failure(),
        // Not authorized (yet): it has no label.
        Err(_) => not_found(),
    }
}
