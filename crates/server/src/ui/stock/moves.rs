//! The stock forms of the SKU page: receive, adjust (with a reason), count and
//! transfer. Each reads its form into core's input, lets core parse it, and calls the
//! store as the inventory API does, with the user as the ledger's actor. A refused
//! form comes back (422) with what was typed and the errors next to their fields.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use switchyard_core::inventory::{
    AdjustmentInput, AdjustmentReason, CountInput, ReceiptInput, StockRequest, TransferInput,
};
use switchyard_store::inventory::{Movement, MovementContext};

use super::levels::{SkuQuery, sku_page};
use super::{Typed, segment, signed};
use crate::AppState;
use crate::extract::perm;
use crate::ui::{Errors, Staff, failed, render_status, see_other};

/// Every field of the four stock forms, as typed.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct MoveForm {
    pub location: String,
    pub quantity: String,
    pub reason: String,
    pub counted: String,
    pub from: String,
    pub to: String,
    pub note: String,
    pub reference: String,
}

/// One form of the page: what was typed and what was wrong with it.
#[derive(Default)]
pub struct Action {
    pub form: MoveForm,
    pub errors: Errors,
}

/// The page's four forms; all empty but the one refused.
#[derive(Default)]
pub struct Forms {
    pub receive: Action,
    pub adjust: Action,
    pub count: Action,
    pub transfer: Action,
}

#[derive(Clone, Copy)]
enum Kind {
    Receive,
    Adjust,
    Count,
    Transfer,
}

impl Kind {
    /// The `done` notice of the page after it, and the audit action.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Kind::Receive => ("received", "stock_received"),
            Kind::Adjust => ("adjusted", "stock_adjusted"),
            Kind::Count => ("counted", "stock_counted"),
            Kind::Transfer => ("transferred", "stock_transferred"),
        }
    }
}

/// After a stock form: back to the SKU page with a notice, or the page again with the
/// form refused.
async fn finish(
    staff: Staff<perm::MoveStock>,
    s: AppState,
    headers: HeaderMap,
    (sku, kind, form): (String, Kind, MoveForm),
    outcome: Result<Vec<Movement>, Errors>,
) -> Response {
    let (done, audit) = kind.names();
    match outcome {
        Ok(movements) => {
            let detail = movements
                .iter()
                .map(|m| format!("{} {} at {}", m.kind, signed(m.on_hand_delta), m.location))
                .collect::<Vec<_>>()
                .join("; ");
            staff.audit(&s, audit, &sku, &detail).await;
            see_other(&headers, &format!("/ui/stock/{}?done={done}", segment(&sku)))
        }
        Err(errors) => {
            let action = Action { form, errors };
            let mut forms = Forms::default();
            match kind {
                Kind::Receive => forms.receive = action,
                Kind::Adjust => forms.adjust = action,
                Kind::Count => forms.count = action,
                Kind::Transfer => forms.transfer = action,
            }
            match sku_page(&s, staff.chrome("stock"), &sku, SkuQuery::default(), forms).await {
                Ok(page) => render_status(StatusCode::UNPROCESSABLE_ENTITY, &page),
                Err(e) => failed(e),
            }
        }
    }
}

fn context(staff: &Staff<perm::MoveStock>, note: Option<String>, reference: Option<String>) -> MovementContext {
    MovementContext {
        actor: staff.user().name.clone(),
        note,
        reference,
    }
}

/// Applies a parsed receipt, adjustment or count as the inventory API does.
async fn move_stock(
    s: &AppState,
    staff: &Staff<perm::MoveStock>,
    request: Result<StockRequest, Errors>,
) -> Result<Vec<Movement>, Errors> {
    let r = request?;
    let ctx = context(staff, r.note, r.reference);
    s.store
        .move_stock(&r.sku, &r.location, r.command, &ctx)
        .await
        .map_err(Errors::from_store)
}

/// `POST /ui/stock/{sku}/receive`
pub async fn receive(
    staff: Staff<perm::MoveStock>,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(sku): Path<String>,
    Form(form): Form<MoveForm>,
) -> Response {
    let mut typed = Typed::default();
    let input = ReceiptInput {
        sku: Some(sku.clone()),
        location: Typed::text(&form.location),
        quantity: typed.whole("/quantity", &form.quantity),
        note: Typed::text(&form.note),
        reference: Typed::text(&form.reference),
    };
    let outcome = move_stock(&s, &staff, typed.check(input.parse())).await;
    finish(staff, s, headers, (sku, Kind::Receive, form), outcome).await
}

/// `POST /ui/stock/{sku}/adjust`
pub async fn adjust(
    staff: Staff<perm::MoveStock>,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(sku): Path<String>,
    Form(form): Form<MoveForm>,
) -> Response {
    let mut typed = Typed::default();
    let mut bad_reason = None;
    let reason = Typed::text(&form.reason).and_then(|r| {
        AdjustmentReason::parse(&r)
            .map_err(|e| bad_reason = Some(e.at("/reason")))
            .ok()
    });
    let input = AdjustmentInput {
        sku: Some(sku.clone()),
        location: Typed::text(&form.location),
        quantity: typed.whole("/quantity", &form.quantity),
        reason,
        note: Typed::text(&form.note),
    };
    typed.bad.extend(bad_reason);
    let outcome = move_stock(&s, &staff, typed.check(input.parse())).await;
    finish(staff, s, headers, (sku, Kind::Adjust, form), outcome).await
}

/// `POST /ui/stock/{sku}/count`
pub async fn count(
    staff: Staff<perm::MoveStock>,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(sku): Path<String>,
    Form(form): Form<MoveForm>,
) -> Response {
    let mut typed = Typed::default();
    let input = CountInput {
        sku: Some(sku.clone()),
        location: Typed::text(&form.location),
        counted: typed.whole("/counted", &form.counted),
        note: Typed::text(&form.note),
    };
    let outcome = move_stock(&s, &staff, typed.check(input.parse())).await;
    finish(staff, s, headers, (sku, Kind::Count, form), outcome).await
}

/// `POST /ui/stock/{sku}/transfer`
pub async fn transfer(
    staff: Staff<perm::MoveStock>,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(sku): Path<String>,
    Form(form): Form<MoveForm>,
) -> Response {
    let mut typed = Typed::default();
    let input = TransferInput {
        sku: Some(sku.clone()),
        from: Typed::text(&form.from),
        to: Typed::text(&form.to),
        quantity: typed.whole("/quantity", &form.quantity),
        note: Typed::text(&form.note),
        reference: Typed::text(&form.reference),
    };
    let outcome = match typed.check(input.parse()) {
        Ok(t) => {
            let ctx = context(&staff, t.note, t.reference);
            let moved = s.store.transfer(&t.sku, &t.from, &t.to, t.quantity, &ctx).await;
            moved.map_err(Errors::from_store)
        }
        Err(errors) => Err(errors),
    };
    finish(staff, s, headers, (sku, Kind::Transfer, form), outcome).await
}
