//! Customer feedback for operators: the answers customers gave through their feedback
//! links, filtered and cursor-paged, and average ratings per channel and SKU.

use axum::Json;
use axum::extract::State;
use jiff::Timestamp;
use serde::Deserialize;
use switchyard_core::feedback::rating_of;
use switchyard_core::validation::Validator;
use switchyard_store::feedback::{Feedback, FeedbackFilter, FeedbackSummary};
use switchyard_store::{Page, PageRequest};
use utoipa::IntoParams;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Allowed, ApiQuery, perm};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedbackQuery {
    /// Channel code or id.
    #[param(example = "web")]
    channel: Option<String>,
    /// Answers that rated this SKU; the rating filters then apply to its rating.
    #[param(example = "TEE-BLA-M")]
    sku: Option<String>,
    /// Answers with a rating this low or lower (1 to 5): `2` lists those flagged for follow-up.
    #[param(example = 2, minimum = 1, maximum = 5)]
    rating_at_most: Option<i64>,
    /// Answers with a rating this high or higher (1 to 5).
    #[param(minimum = 1, maximum = 5)]
    rating_at_least: Option<i64>,
    /// Answered at or after (RFC 3339).
    from: Option<Timestamp>,
    /// Answered before (RFC 3339).
    to: Option<Timestamp>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// List feedback
///
/// What customers answered to their feedback requests, newest first: each item's
/// rating and the delivery's (1 to 5), the comment, and whether a rating of 2 or lower
/// flagged the order for follow-up. Cursor-paged.
#[utoipa::path(get, path = "/api/v1/feedback", tag = "feedback", params(FeedbackQuery),
    responses(
        (status = 200, description = "A page of answers", body = Page<Feedback>),
        (status = 422, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_feedback(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<FeedbackQuery>,
) -> ApiResult<Json<Page<Feedback>>> {
    let mut v = Validator::new();
    let at_most = v.check_opt("rating_at_most", q.rating_at_most, rating_of);
    let at_least = v.check_opt("rating_at_least", q.rating_at_least, rating_of);
    let (rating_at_most, rating_at_least) = v.finish(|| Some((at_most?, at_least?))).map_err(ApiError::validation)?;
    let filter = FeedbackFilter {
        channel: q.channel,
        sku: q.sku,
        rating_at_most,
        rating_at_least,
        from: q.from,
        to: q.to,
    };
    let page = PageRequest {
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(Json(s.store.list_feedback(&filter, &page).await?))
}

/// Feedback averages
///
/// The mean ratings of every answer so far: per channel, of the delivery and of the
/// items; per SKU, of that item. A mean is to two decimals, with how many ratings it has.
#[utoipa::path(get, path = "/api/v1/feedback/summary", tag = "feedback",
    responses(
        (status = 200, description = "Averages per channel and SKU", body = FeedbackSummary),
    ))]
pub async fn feedback_summary(_: Allowed<perm::Read>, State(s): State<AppState>) -> ApiResult<Json<FeedbackSummary>> {
    Ok(Json(s.store.feedback_summary().await?))
}
