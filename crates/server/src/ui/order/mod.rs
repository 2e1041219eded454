//! The order page (`/ui/orders/{key}`, by id or number as the API takes it): the
//! order with its lines, totals, money, reservations, shipments, returns, claims,
//! feedback, internal notes and timeline, and the forms of what staff do to it
//! (`actions`). Which forms show is the role's permissions (`chrome.may`) and what
//! core's lifecycles allow in the order's state (`Allowed`), never a list of our own.
//! Packing slips and labels print from `ui::documents`.

mod actions;
mod form;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use jiff::Timestamp;
use serde::Deserialize;
use switchyard_core::auth::Permission;
use switchyard_core::order::HoldReason;
use switchyard_core::order::{LineAction, OrderAction, OrderEventKind, line_transition, transition};
use switchyard_core::payment::{APPEASEMENT_LIMIT_PERCENT, AppeasementReason, RefundReason};
use switchyard_store::feedback::Feedback;
use switchyard_store::order::{Order, OrderEmail, OrderLine, TimelineEvent};
use switchyard_store::payment::OrderPayments;
use switchyard_store::returns::{Claim, ClaimFilter};
use switchyard_store::shipment::ShipmentSummary;
use switchyard_store::{PageRequest, StoreResult};

use super::{Chrome, Staff, failed, render, render_status};
use crate::AppState;

use form::Refused;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ui/orders/{key}", get(page))
        .route("/ui/orders/{key}/hold", post(actions::hold))
        .route("/ui/orders/{key}/release", post(actions::release))
        .route("/ui/orders/{key}/cancel", post(actions::cancel))
        .route("/ui/orders/{key}/lines/{line}/cancel", post(actions::cancel_line))
        .route("/ui/orders/{key}/reroute", post(actions::reroute))
        .route("/ui/orders/{key}/refund", post(actions::refund))
        .route("/ui/orders/{key}/appeasement", post(actions::appease))
        .route("/ui/orders/{key}/note", post(actions::note))
        .route("/ui/orders/{key}/emails/{message}/resend", post(actions::resend_email))
}

/// What the lifecycles in core allow in the order's state, and the role may do: one
/// flag per form of the page.
#[derive(Debug, Clone, Copy, Default)]
struct Allowed {
    hold: bool,
    release: bool,
    cancel: bool,
    cancel_line: bool,
    reroute: bool,
    note: bool,
    resend_email: bool,
    refund: bool,
    appease: bool,
}

impl Allowed {
    fn of<P>(staff: &Staff<P>, order: &Order, payments: &OrderPayments) -> Allowed {
        let manage = staff.may(Permission::ManageOrders);
        let status = order.summary.status;
        let may = |action| manage && transition(status, action).is_ok();
        let refundable = payments.refundable.amount > 0;
        Allowed {
            hold: may(OrderAction::Hold),
            release: may(OrderAction::Release),
            cancel: may(OrderAction::Cancel),
            cancel_line: may(OrderAction::CancelLine),
            reroute: may(OrderAction::Reroute),
            note: manage,
            resend_email: manage,
            refund: refundable && staff.may(Permission::Refund),
            appease: refundable && staff.may(Permission::Appease),
        }
    }

    fn any(&self) -> bool {
        self.hold || self.release || self.cancel || self.reroute || self.note || self.refund || self.appease
    }
}

#[derive(Template)]
#[template(path = "ui/order/page.html")]
struct OrderPage {
    chrome: Chrome,
    order: Order,
    payments: OrderPayments,
    shipments: Vec<ShipmentSummary>,
    claims: Vec<Claim>,
    feedback: Option<Feedback>,
    /// The customer's emails and how each stands; staff who manage orders resend them.
    emails: Vec<OrderEmail>,
    allowed: Allowed,
    /// What the last change did, said at the top.
    done: Option<&'static str>,
    /// The form the store or core refused, with what was typed.
    refused: Option<Refused>,
}

/// `UTC` times as the pages show them.
fn when(t: &Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M").to_string()
}

impl OrderPage {
    fn when(&self, t: &Timestamp) -> String {
        when(t)
    }

    fn when_opt(&self, t: &Option<Timestamp>) -> String {
        t.as_ref().map(when).unwrap_or_default()
    }

    /// The error of `field` in the form of `action`, if that form was refused.
    fn error(&self, action: &str, field: &str) -> Option<&str> {
        self.refused.as_ref().filter(|r| r.action == action)?.errors.get(field)
    }

    /// The message of a refused form that belongs to none of its fields.
    fn summary(&self, action: &str) -> Option<&str> {
        self.refused
            .as_ref()
            .filter(|r| r.action == action)?
            .errors
            .summary
            .as_deref()
    }

    /// What the user typed into `field` of the form of `action` before it was refused.
    fn typed(&self, action: &str, field: &str) -> &str {
        self.refused
            .as_ref()
            .filter(|r| r.action == action)
            .map_or("", |r| r.value(field))
    }

    /// Whether the form of `action` was refused (so it opens, showing why).
    fn is_refused(&self, action: &str) -> bool {
        self.refused.as_ref().is_some_and(|r| r.action == action)
    }

    /// The refund form's error for line `line_no`'s quantity.
    fn line_error(&self, line_no: &i64) -> Option<&str> {
        self.refused
            .as_ref()
            .filter(|r| r.action == "refund")?
            .line_error(*line_no)
    }

    /// Whether line `line` may be cancelled now (the order's lifecycle and the line's).
    fn line_cancellable(&self, line: &OrderLine) -> bool {
        self.allowed.cancel_line && line_transition(line.status, LineAction::Cancel).is_ok()
    }

    fn line_action(&self, line: &OrderLine) -> String {
        format!("cancel_line_{}", line.line_no)
    }

    fn qty_field(&self, line: &OrderLine) -> String {
        format!("qty_{}", line.line_no)
    }

    fn hold_reasons(&self) -> &'static [HoldReason] {
        HoldReason::ALL
    }

    /// The reasons a refund form offers: those the refund permission covers
    /// (`RefundReason::permission`); goodwill and cancellations have their own ways.
    fn refund_reasons(&self) -> Vec<RefundReason> {
        RefundReason::ALL
            .iter()
            .copied()
            .filter(|r| r.permission() == Permission::Refund)
            .collect()
    }

    fn appeasement_reasons(&self) -> &'static [AppeasementReason] {
        AppeasementReason::ALL
    }

    fn appeasement_limit(&self) -> i64 {
        APPEASEMENT_LIMIT_PERCENT
    }

    /// The staff's internal notes, newest first.
    fn notes(&self) -> Vec<&TimelineEvent> {
        self.order
            .timeline
            .iter()
            .rev()
            .filter(|e| e.kind == OrderEventKind::NoteAdded)
            .collect()
    }

    /// `customer_request` as people read it.
    fn words(&self, code: &str) -> String {
        code.replace('_', " ")
    }

    fn customer_link(&self) -> String {
        let email =
            url::form_urlencoded::byte_serialize(self.order.summary.customer.email.as_bytes()).collect::<String>();
        format!("/ui/customers?email={email}")
    }
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    done: Option<String>,
}

/// What a `?done=` after a change says.
fn done_message(done: &str) -> Option<&'static str> {
    Some(match done {
        "held" => "The order is on hold.",
        "released" => "The order is released from hold.",
        "cancelled" => "The order is cancelled.",
        "line_cancelled" => "The line is cancelled.",
        "rerouted" => "The order is routed again.",
        "refunded" => "The refund is issued.",
        "appeased" => "The goodwill refund is issued.",
        "noted" => "The note is added.",
        "email_resent" => "The email is on its way again.",
        _ => return None,
    })
}

/// Everything the page shows, read as the API's GET handlers read it.
/// What the order page shows besides the order itself.
struct Around {
    payments: OrderPayments,
    shipments: Vec<ShipmentSummary>,
    claims: Vec<Claim>,
    feedback: Option<Feedback>,
    emails: Vec<OrderEmail>,
}

async fn load(s: &AppState, key: &str) -> StoreResult<(Order, Around)> {
    let order = s.store.order(key).await?;
    let id = order.summary.id.clone();
    let claims = ClaimFilter {
        order: Some(id.to_string()),
        ..Default::default()
    };
    let every = PageRequest {
        cursor: None,
        limit: Some(switchyard_store::page::MAX_LIMIT),
    };
    let (payments, shipments, claims, feedback, emails) = tokio::try_join!(
        s.store.order_payments(id.as_str()),
        s.store.order_shipments(id.as_str()),
        s.store.list_claims(&claims, &every),
        s.store.order_feedback(&id),
        s.store.order_emails(&id),
    )?;
    let around = Around {
        payments,
        shipments,
        claims: claims.data,
        feedback,
        emails,
    };
    Ok((order, around))
}

/// The order page, as it is now; with a refused form, 422 showing why.
async fn show<P>(
    staff: &Staff<P>,
    s: &AppState,
    key: &str,
    done: Option<&'static str>,
    refused: Option<Refused>,
) -> Response {
    let (order, around) = match load(s, key).await {
        Ok(loaded) => loaded,
        Err(e) => return failed(e),
    };
    let page = OrderPage {
        chrome: staff.chrome("orders"),
        allowed: Allowed::of(staff, &order, &around.payments),
        order,
        payments: around.payments,
        shipments: around.shipments,
        claims: around.claims,
        feedback: around.feedback,
        emails: around.emails,
        done,
        refused,
    };
    if page.refused.is_some() {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    } else {
        render(&page)
    }
}

/// `GET /ui/orders/{key}`
async fn page(
    staff: Staff,
    State(s): State<AppState>,
    Path(key): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    show(&staff, &s, &key, q.done.as_deref().and_then(done_message), None).await
}
