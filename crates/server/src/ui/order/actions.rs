//! What staff do to an order from its page. Each form is read into the API's input
//! type, parsed by core and done by the same store call as the API's handler, with the
//! user's name as the actor and an entry on the audit list; then back to the page
//! with a notice (303). A refused form shows the page again (422) with the errors next
//! to its fields and what was typed; nothing changed.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use jiff::tz::TimeZone;
use switchyard_core::FieldError;
use switchyard_core::id::MessageId;
use switchyard_core::money::{Currency, Money};
use switchyard_core::order::{self as rules, HoldInput, HoldReason};
use switchyard_core::payment::{
    AppeasementInput, AppeasementReason, RefundInput, RefundLine, RefundReason, RefundRequest,
};
use switchyard_core::validation::{self, Invalid};
use switchyard_store::StoreError;
use switchyard_store::order::Order;

use super::form::{Fields, Reading, Refused, refund_quantities};
use super::show;
use crate::AppState;
use crate::extract::perm;
use crate::ui::{Errors, Staff, failed, see_other};

/// What a handler's work came to: done (the order's number and the audit's detail),
/// refused by core before the store was asked, or refused by the store.
enum Outcome {
    Done { number: String, detail: String },
    Invalid(Vec<FieldError>),
    Failed(StoreError),
}

impl Outcome {
    fn of(result: Result<Order, StoreError>, detail: String) -> Outcome {
        match result {
            Ok(order) => Outcome::Done {
                number: order.summary.number,
                detail,
            },
            Err(e) => Outcome::Failed(e),
        }
    }
}

/// Answers a form: 303 to the order page with `done` after the change (on the audit
/// list as `audit`), or the page again with the refusal.
async fn answer<P>(
    staff: &Staff<P>,
    s: &AppState,
    headers: &HeaderMap,
    key: &str,
    (action, audit, done): (&str, &str, &str),
    fields: Fields,
    outcome: Outcome,
) -> Response {
    let errors = match outcome {
        Outcome::Done { number, detail } => {
            staff.audit(s, audit, &number, &detail).await;
            let number = url::form_urlencoded::byte_serialize(number.as_bytes()).collect::<String>();
            return see_other(headers, &format!("/ui/orders/{number}?done={done}"));
        }
        Outcome::Invalid(errors) => Errors::fields(&errors),
        Outcome::Failed(e) => Errors::from_store(e),
    };
    show(staff, s, key, None, Some(Refused::new(action, errors, fields))).await
}

/// The reason field of a cancel or re-route form, as the API checks it.
fn reason(fields: &[(String, String)]) -> Result<Option<String>, Vec<FieldError>> {
    validation::reason_field(Some(super::form::value(fields, "reason")))
}

/// A `datetime-local` field (`2026-12-08T09:30`) in UTC.
fn utc_time(raw: &str) -> Result<jiff::Timestamp, Invalid> {
    raw.parse::<jiff::civil::DateTime>()
        .and_then(|t| t.to_zoned(TimeZone::UTC))
        .map(|z| z.timestamp())
        .map_err(|_| Invalid::new("invalid_time", "must be a date and time like 2026-12-08 09:30"))
}

/// `POST /ui/orders/{key}/hold`: reason, note, until.
pub async fn hold(
    staff: Staff<perm::ManageOrders>,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(key): Path<String>,
    Form(fields): Form<Fields>,
) -> Response {
    let mut read = Reading::new(&fields);
    let input = HoldInput {
        reason: read.parsed("reason", HoldReason::parse),
        note: read.text("note"),
        until: read.parsed("until", utc_time),
    };
    let outcome = match read.finish(input.parse(s.store.now())) {
        Ok(hold) => {
            let detail = hold.reason.as_str().to_owned();
            Outcome::of(s.store.hold_order(&key, &hold, &staff.user().name).await, detail)
        }
        Err(errors) => Outcome::Invalid(errors),
    };
    answer(
        &staff,
        &s,
        &headers,
        &key,
        ("hold", "order.hold", "held"),
        fields,
        outcome,
    )
    .await
}

/// `POST /ui/orders/{key}/release`
pub async fn release(
    staff: Staff<perm::ManageOrders>,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Response {
    let outcome = Outcome::of(s.store.release_order(&key, &staff.user().name).await, String::new());
    let names = ("release", "order.release", "released");
    answer(&staff, &s, &headers, &key, names, Vec::new(), outcome).await
}

/// `POST /ui/orders/{key}/cancel`: reason.
pub async fn cancel(
    staff: Staff<perm::ManageOrders>,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(key): Path<String>,
    Form(fields): Form<Fields>,
) -> Response {
    let outcome = match reason(&fields) {
        Ok(reason) => Outcome::of(
            s.store.cancel_order(&key, reason.as_deref(), &staff.user().name).await,
            reason.unwrap_or_default(),
        ),
        Err(errors) => Outcome::Invalid(errors),
    };
    let names = ("cancel", "order.cancel", "cancelled");
    answer(&staff, &s, &headers, &key, names, fields, outcome).await
}

/// `POST /ui/orders/{key}/lines/{line}/cancel`: reason.
pub async fn cancel_line(
    staff: Staff<perm::ManageOrders>,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((key, line)): Path<(String, String)>,
    Form(fields): Form<Fields>,
) -> Response {
    let outcome = match reason(&fields) {
        Ok(reason) => Outcome::of(
            s.store
                .cancel_line(&key, &line, reason.as_deref(), &staff.user().name)
                .await,
            format!("line {line}{}", reason.map(|r| format!(": {r}")).unwrap_or_default()),
        ),
        Err(errors) => Outcome::Invalid(errors),
    };
    let action = format!("cancel_line_{line}");
    let names = (action.as_str(), "order.cancel_line", "line_cancelled");
    answer(&staff, &s, &headers, &key, names, fields, outcome).await
}

/// `POST /ui/orders/{key}/reroute`: reason.
pub async fn reroute(
    staff: Staff<perm::ManageOrders>,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(key): Path<String>,
    Form(fields): Form<Fields>,
) -> Response {
    let outcome = match reason(&fields) {
        Ok(reason) => Outcome::of(
            s.store.reroute_order(&key, reason.as_deref(), &staff.user().name).await,
            reason.unwrap_or_default(),
        ),
        Err(errors) => Outcome::Invalid(errors),
    };
    let names = ("reroute", "order.reroute", "rerouted");
    answer(&staff, &s, &headers, &key, names, fields, outcome).await
}

/// `POST /ui/orders/{key}/emails/{message}/resend`: the customer's email again.
pub async fn resend_email(
    staff: Staff<perm::ManageOrders>,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((key, message)): Path<(String, String)>,
) -> Response {
    let Some(message) = MessageId::parse(&message) else {
        return failed(StoreError::not_found("email", message));
    };
    let resent = s.store.resend_order_email(&key, &message, &staff.user().name).await;
    let names = ("resend_email", "order.email_resend", "email_resent");
    answer(
        &staff,
        &s,
        &headers,
        &key,
        names,
        Vec::new(),
        Outcome::of(resent, message.to_string()),
    )
    .await
}

/// `POST /ui/orders/{key}/note`: note.
pub async fn note(
    staff: Staff<perm::ManageOrders>,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(key): Path<String>,
    Form(fields): Form<Fields>,
) -> Response {
    let outcome = match rules::note(super::form::value(&fields, "note")) {
        Ok(note) => Outcome::of(
            s.store.add_order_note(&key, &note, &staff.user().name).await,
            String::new(),
        ),
        Err(e) => Outcome::Invalid(vec![e.at("/note")]),
    };
    answer(
        &staff,
        &s,
        &headers,
        &key,
        ("note", "order.note", "noted"),
        fields,
        outcome,
    )
    .await
}

/// The order's number and currency (amounts are typed as decimals of it).
async fn head(s: &AppState, key: &str) -> Result<(String, Currency), StoreError> {
    let order = s.store.order(key).await?;
    Ok((order.summary.number, order.summary.currency))
}

/// Gives money back as `request` asks (a refund or goodwill), by `staff`.
async fn give_back<P>(
    staff: &Staff<P>,
    s: &AppState,
    number: String,
    request: Result<RefundRequest, Vec<FieldError>>,
) -> Outcome {
    let request = match request {
        Ok(request) => request,
        Err(errors) => return Outcome::Invalid(errors),
    };
    match s.store.refund_order(&number, &request, &staff.user().actor()).await {
        Ok(refund) => Outcome::Done {
            detail: format!("{} ({})", refund.amount, request.reason.as_str()),
            number,
        },
        Err(e) => Outcome::Failed(e),
    }
}

/// `POST /ui/orders/{key}/refund`: `qty_{line_no}` per line, shipping, amount, reason,
/// note — the API's refund input.
pub async fn refund(
    staff: Staff<perm::Refund>,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(key): Path<String>,
    Form(fields): Form<Fields>,
) -> Response {
    let (number, currency) = match head(&s, &key).await {
        Ok(head) => head,
        Err(e) => return failed(e),
    };
    let mut read = Reading::new(&fields);
    let lines: Vec<RefundLine> = refund_quantities(&fields)
        .filter_map(|(line_no, name, raw)| {
            let quantity = raw
                .parse::<i64>()
                .map_err(|_| Invalid::new("invalid_number", "must be a whole number"));
            read.check(name, quantity)
                .map(|quantity| RefundLine { line_no, quantity })
        })
        .collect();
    let input = RefundInput {
        lines: (!lines.is_empty()).then_some(lines),
        shipping: Some(read.text("shipping").is_some()),
        amount: read.parsed("amount", |a| Money::from_decimal(a, currency)),
        reason: read.parsed("reason", RefundReason::parse),
        note: read.text("note"),
    };
    let outcome = give_back(&staff, &s, number, read.finish(input.parse())).await;
    let names = ("refund", "order.refund", "refunded");
    answer(&staff, &s, &headers, &key, names, fields, outcome).await
}

/// `POST /ui/orders/{key}/appeasement`: amount, reason, note — the API's goodwill input;
/// the store keeps the role within core's limit.
pub async fn appease(
    staff: Staff<perm::Appease>,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(key): Path<String>,
    Form(fields): Form<Fields>,
) -> Response {
    let (number, currency) = match head(&s, &key).await {
        Ok(head) => head,
        Err(e) => return failed(e),
    };
    let mut read = Reading::new(&fields);
    let input = AppeasementInput {
        amount: read.parsed("amount", |a| Money::from_decimal(a, currency)),
        reason: read.parsed("reason", AppeasementReason::parse),
        note: read.text("note"),
    };
    let outcome = give_back(&staff, &s, number, read.finish(input.parse())).await;
    let names = ("appease", "order.appeasement", "appeased");
    answer(&staff, &s, &headers, &key, names, fields, outcome).await
}
