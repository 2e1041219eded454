//! Customer emails seen from the API: a preview of any email for an order, rendered
//! with the server's templates (the seller's overrides included) and never sent.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use switchyard_core::mail::EmailKind;

use crate::AppState;
use crate::delivery::mail::{PreviewError, Rendered};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Allowed, perm};

/// Preview a customer email
///
/// The email of `kind` for the order as it would be sent now: about the order's latest
/// event of that kind (its latest parcel for `out_for_delivery`), or the order alone
/// when nothing of that kind has happened yet. Nothing is sent and nothing recorded. A
/// template that fails to render is a 422 naming the template and the problem.
#[utoipa::path(get, path = "/api/v1/orders/{key}/emails/{kind}/preview", tag = "orders",
    params(
        ("key" = String, Path, description = "Order id or number"),
        ("kind" = EmailKind, Path, description = "Which email"),
    ),
    responses(
        (status = 200, description = "The email", body = Rendered),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown kind (`invalid_value`), or a template that fails (`template_failed`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn preview_email(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    Path((key, kind)): Path<(String, String)>,
) -> ApiResult<Json<Rendered>> {
    let kind = EmailKind::parse(&kind).map_err(|e| ApiError::validation(vec![e.at("kind")]))?;
    match s.mail.preview(&s.store, &key, kind).await {
        Ok(rendered) => Ok(Json(rendered)),
        Err(PreviewError::Store(e)) => Err(e.into()),
        Err(PreviewError::Template(e)) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "template_failed",
            e.to_string(),
        )),
    }
}
