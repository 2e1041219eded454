//! Ending a purchase order: closing it (what is outstanding is no longer expected) or
//! cancelling it (withdrawn before anything arrived), with an optional reason, as the
//! purchasing API does. Which of the two its status allows is core's to say; the page
//! shows only those.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use switchyard_core::validation;

use super::order_page;
use crate::AppState;
use crate::extract::perm;
use crate::ui::{Errors, Staff, failed, render_status, see_other};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EndForm {
    reason: String,
}

/// `POST /ui/purchase-orders/{key}/close`
pub async fn close(
    staff: Staff<perm::ManageCatalog>,
    state: State<AppState>,
    headers: HeaderMap,
    key: Path<String>,
    form: Form<EndForm>,
) -> Response {
    end(staff, state, headers, key, form, false).await
}

/// `POST /ui/purchase-orders/{key}/cancel`
pub async fn cancel(
    staff: Staff<perm::ManageCatalog>,
    state: State<AppState>,
    headers: HeaderMap,
    key: Path<String>,
    form: Form<EndForm>,
) -> Response {
    end(staff, state, headers, key, form, true).await
}

async fn end(
    staff: Staff<perm::ManageCatalog>,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(key): Path<String>,
    Form(form): Form<EndForm>,
    cancel: bool,
) -> Response {
    let actor = staff.user().name.clone();
    let outcome = match validation::reason_field(Some(&form.reason)) {
        Ok(reason) if cancel => s.store.cancel_purchase_order(&key, reason.as_deref(), &actor).await,
        Ok(reason) => s.store.close_purchase_order(&key, reason.as_deref(), &actor).await,
        Err(errors) => {
            return refused(&staff, &s, &key, form, Errors::fields(&errors)).await;
        }
    };
    match outcome {
        Ok(po) => {
            let (action, done) = if cancel {
                ("purchase_order_cancelled", "cancelled")
            } else {
                ("purchase_order_closed", "closed")
            };
            let number = po.summary.number;
            staff.audit(&s, action, &number, &form.reason).await;
            see_other(&headers, &format!("/ui/purchase-orders/{number}?done={done}"))
        }
        Err(e) => refused(&staff, &s, &key, form, Errors::from_store(e)).await,
    }
}

async fn refused(
    staff: &Staff<perm::ManageCatalog>,
    s: &AppState,
    key: &str,
    form: EndForm,
    errors: Errors,
) -> Response {
    match s.store.purchase_order(key).await {
        Ok(po) => {
            let mut page = order_page(staff.chrome("purchasing"), po, None);
            page.reason = form.reason;
            page.end_errors = errors;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => failed(e),
    }
}
