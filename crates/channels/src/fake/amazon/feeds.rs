//! The fake Feeds API 2021-06-30: a feed document is created (answered with where to
//! upload it: a presigned address that, like S3's, takes no SP-API token and must get
//! the content type it was made for), uploaded, then named by a new feed.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::api::{errors, gate, line};
use super::{FeedCancellation, MARKETPLACE_ID, Shared, lock};
use crate::amazon::TOKEN_HEADER;

pub(super) fn router(state: Shared) -> Router {
    Router::new()
        .route("/feeds/2021-06-30/documents", post(create_document))
        .route("/feeds/2021-06-30/feeds", post(create_feed))
        .route("/presigned-upload/{id}", put(upload))
        .with_state(state)
}

async fn create_document(State(state): State<Shared>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let mut s = lock(&state);
    if let Err(r) = gate(
        &mut s,
        &headers,
        line("POST", "/feeds/2021-06-30/documents", &HashMap::new()),
        false,
    ) {
        return *r;
    }
    if body["contentType"].as_str().is_none() {
        return errors(StatusCode::BAD_REQUEST, "InvalidInput", "contentType is required");
    }
    s.issued += 1;
    let id = format!("amzn1.tortuga.4.na.fake-{}", s.issued);
    s.documents.insert(id.clone(), None);
    let url = format!("{}/presigned-upload/{id}", s.base_url);
    (StatusCode::CREATED, Json(json!({"feedDocumentId": id, "url": url}))).into_response()
}

async fn upload(State(state): State<Shared>, headers: HeaderMap, Path(id): Path<String>, body: String) -> Response {
    let mut s = lock(&state);
    if headers.contains_key(TOKEN_HEADER) {
        return (
            StatusCode::BAD_REQUEST,
            "an SP-API token was sent to the upload address",
        )
            .into_response();
    }
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok());
    if content_type != Some("text/xml; charset=UTF-8") {
        return (StatusCode::FORBIDDEN, "SignatureDoesNotMatch").into_response();
    }
    match s.documents.get_mut(&id) {
        Some(slot) => {
            *slot = Some(body);
            StatusCode::OK.into_response()
        }
        None => (StatusCode::FORBIDDEN, "AccessDenied").into_response(),
    }
}

async fn create_feed(State(state): State<Shared>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let mut s = lock(&state);
    if let Err(r) = gate(
        &mut s,
        &headers,
        line("POST", "/feeds/2021-06-30/feeds", &HashMap::new()),
        false,
    ) {
        return *r;
    }
    let kind = body["feedType"].as_str().unwrap_or("").to_owned();
    let document = body["inputFeedDocumentId"].as_str().unwrap_or("");
    let Some(Some(content)) = s.documents.get(document).cloned() else {
        return errors(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            "inputFeedDocumentId names no uploaded document",
        );
    };
    if kind.is_empty() || body["marketplaceIds"] != json!([MARKETPLACE_ID]) {
        return errors(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            "feedType and marketplaceIds are required",
        );
    }
    s.issued += 1;
    let feed_id = format!("fake-feed-{}", s.issued);
    s.feeds.push((kind, content));
    (StatusCode::ACCEPTED, Json(json!({ "feedId": feed_id }))).into_response()
}

/// The text of each `<name>` element in `xml`, in order.
fn texts<'a>(xml: &'a str, name: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    xml.split(open.as_str())
        .skip(1)
        .filter_map(|rest| rest.split_once(close.as_str()).map(|(text, _)| text))
        .collect()
}

/// The cancellations (acknowledgements with `StatusCode` `Failure`) in a feed.
pub(super) fn cancellations(xml: &str) -> Vec<FeedCancellation> {
    texts(xml, "OrderAcknowledgement")
        .into_iter()
        .filter(|ack| texts(ack, "StatusCode") == ["Failure"])
        .filter_map(|ack| {
            let order_id = texts(ack, "AmazonOrderID").first()?.to_string();
            let items = texts(ack, "Item")
                .into_iter()
                .filter_map(|item| {
                    let id = texts(item, "AmazonOrderItemCode").first()?.to_string();
                    let reason = texts(item, "CancelReason")
                        .first()
                        .map(|r| r.to_string())
                        .unwrap_or_default();
                    Some((id, reason))
                })
                .collect();
            Some(FeedCancellation { order_id, items })
        })
        .collect()
}
