//! A shipment's printed documents for signed-in staff, from the order page and the
//! pack bench: the same document code as the API's `/shipments/{key}/label` and
//! `/packing-slip` (`api::documents`), behind a session instead of a key.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;

use super::{Staff, failed};
use crate::AppState;
use crate::api::documents::{LabelFormat, label_document, packing_slip_document};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ui/shipments/{key}/slip.pdf", get(slip_pdf))
        .route("/ui/shipments/{key}/label.pdf", get(label_pdf))
        .route("/ui/shipments/{key}/label.zpl", get(label_zpl))
}

/// `GET /ui/shipments/{key}/slip.pdf`
async fn slip_pdf(_: Staff, State(s): State<AppState>, Path(key): Path<String>) -> Response {
    packing_slip_document(&s, &key).await.unwrap_or_else(failed)
}

/// `GET /ui/shipments/{key}/label.pdf`
async fn label_pdf(_: Staff, State(s): State<AppState>, Path(key): Path<String>) -> Response {
    label_document(&s, &key, LabelFormat::Pdf).await.unwrap_or_else(failed)
}

/// `GET /ui/shipments/{key}/label.zpl`: for a thermal printer.
async fn label_zpl(_: Staff, State(s): State<AppState>, Path(key): Path<String>) -> Response {
    label_document(&s, &key, LabelFormat::Zpl).await.unwrap_or_else(failed)
}
