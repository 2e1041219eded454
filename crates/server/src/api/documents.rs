//! Printed documents: shipping labels (PDF or ZPL), packing slips and pick lists. The
//! handlers translate a shipment or pick list into what `switchyard-documents` prints
//! and render it off the async threads.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Deserialize;
use switchyard_core::routing::promise::time_zone;
use switchyard_documents::{
    DocumentError, LabelData, PackingSlipData, Party, PickLine, PickListData, PickTote, ReturnTerms, SlipLine,
    label_pdf, label_zpl, packing_slip_pdf, pick_list_pdf,
};
use switchyard_store::shipment::{PickList, Shipment};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Allowed, ApiQuery, perm};

/// A binary document (PDF), for the OpenAPI description.
pub struct Binary;

impl utoipa::PartialSchema for Binary {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl ToSchema for Binary {}

/// How a label is printed.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LabelFormat {
    /// A 4x6 inch PDF, for any printer.
    #[default]
    Pdf,
    /// ZPL II for Zebra-compatible thermal printers at 203 dpi.
    Zpl,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LabelQuery {
    /// `pdf` (default) or `zpl`.
    #[param(inline)]
    format: Option<LabelFormat>,
}

pub(crate) fn date(t: Option<Timestamp>) -> String {
    t.map(|t| t.strftime("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// What the label of `s` shows, or why it has none.
fn label_data(s: &Shipment) -> ApiResult<LabelData> {
    let summary = &s.summary;
    let (Some(carrier), Some(tracking_number)) = (summary.carrier, summary.tracking_number.clone()) else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "no_label",
            format!("shipment {} has no label yet: create one first", summary.number),
        ));
    };
    let package = summary.package.as_ref();
    let size = package
        .and_then(|p| match (p.length_mm, p.width_mm, p.height_mm) {
            (Some(l), Some(w), Some(h)) => Some(format!(" {l} x {w} x {h} mm")),
            _ => None,
        })
        .unwrap_or_default();
    Ok(LabelData {
        carrier: carrier.name().to_owned(),
        service: summary.service.clone().unwrap_or_default(),
        tracking_number,
        from: Party::from_address(&s.ship_from),
        to: Party::from_address(&s.ship_to),
        phone: s.ship_to.phone.clone().or_else(|| s.customer.phone.clone()),
        weight_grams: package.map(|p| p.weight_grams).unwrap_or(0),
        package: format!("{}{size}", package.map(|p| p.package_type.as_str()).unwrap_or("parcel")),
        shipment: summary.number.clone(),
        order: summary.order_number.clone(),
        ship_date: date(summary.milestones.shipped_at.or(summary.milestones.label_created_at)),
    })
}

pub(crate) async fn render<T: Send + 'static>(
    data: T,
    draw: fn(&T) -> Result<Vec<u8>, DocumentError>,
) -> ApiResult<Vec<u8>> {
    let rendered = tokio::task::spawn_blocking(move || draw(&data)).await.map_err(|e| {
        tracing::error!(error = %e, "document rendering panicked");
        ApiError::internal()
    })?;
    rendered.map_err(|e| {
        tracing::error!(error = %e, "document rendering failed");
        ApiError::internal()
    })
}

pub(crate) fn file(bytes: Vec<u8>, content_type: &'static str, name: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response()
}

/// Print a shipping label
///
/// The shipment's 4x6 inch label: sender and recipient addresses, carrier and
/// service, weight, and the tracking number as a Code 128 barcode. `format=pdf` (the
/// default) for any printer, `format=zpl` for Zebra-compatible thermal printers.
#[utoipa::path(get, path = "/api/v1/shipments/{key}/label", tag = "fulfilment",
    params(("key" = String, Path, description = "Shipment number or id"), LabelQuery),
    responses(
        (status = 200, description = "The label", content((Binary = "application/pdf"), (String = "text/plain"))),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The shipment has no label yet (`no_label`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_label(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    ApiQuery(q): ApiQuery<LabelQuery>,
) -> ApiResult<Response> {
    label_document(&s, &key, q.format.unwrap_or_default()).await
}

/// The label of the shipment `key` as a file, for the API and the pages.
pub(crate) async fn label_document(s: &AppState, key: &str, format: LabelFormat) -> ApiResult<Response> {
    let shipment = s.store.shipment(key).await?;
    let label = label_data(&shipment)?;
    let name = format!("label-{}", shipment.summary.number);
    Ok(match format {
        LabelFormat::Pdf => file(
            render(label, label_pdf).await?,
            "application/pdf",
            format!("{name}.pdf"),
        ),
        LabelFormat::Zpl => file(
            label_zpl(&label).into_bytes(),
            "text/plain; charset=utf-8",
            format!("{name}.zpl"),
        ),
    })
}

/// Print a packing slip
///
/// The page that goes in the parcel: the seller, order and shipment numbers, where it
/// goes, what is in it, and how to return something: within the channel's return
/// window, by the day it closes (counted from the promised delivery date while the
/// parcel is on its way). A channel that takes no returns prints no return section.
#[utoipa::path(get, path = "/api/v1/shipments/{key}/packing-slip", tag = "fulfilment",
    params(("key" = String, Path, description = "Shipment number or id")),
    responses(
        (status = 200, description = "The packing slip", content((Binary = "application/pdf"))),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_packing_slip(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    packing_slip_document(&s, &key).await
}

/// The packing slip of the shipment `key` as a PDF file, for the API and the pages.
pub(crate) async fn packing_slip_document(s: &AppState, key: &str) -> ApiResult<Response> {
    let shipment = s.store.shipment(key).await?;
    let summary = &shipment.summary;
    let (order, channel, location) = tokio::try_join!(
        s.store.order(summary.order_id.as_str()),
        s.store.channel(&shipment.channel),
        s.store.location(summary.location_id.as_str()),
    )?;
    let mut ship_from = Party::from_address(&shipment.ship_from);
    ship_from.name = shipment.ship_from_name.clone();
    let slip = PackingSlipData {
        seller: shipment.seller.clone(),
        order: summary.order_number.clone(),
        shipment: summary.number.clone(),
        placed: date(Some(order.summary.placed_at)),
        ship_to: Party::from_address(&shipment.ship_to),
        ship_from,
        lines: shipment
            .lines
            .iter()
            .filter(|l| l.status == switchyard_core::shipment::ShipmentLineStatus::Open)
            .map(|l| SlipLine {
                sku: l.sku.clone(),
                title: l.title.clone(),
                quantity: l.quantity,
            })
            .collect(),
        carrier: summary.carrier.map(|c| c.name().to_owned()),
        tracking_number: summary.tracking_number.clone(),
        returns: ReturnTerms {
            window_days: channel.policies.return_window_days,
            delivered_at: summary.milestones.delivered_at,
            promised_delivery_at: summary.promised_delivery_at,
            time_zone: time_zone(&location.timezone).unwrap_or(TimeZone::UTC),
        },
    };
    let pdf = render(slip, packing_slip_pdf).await?;
    Ok(file(
        pdf,
        "application/pdf",
        format!("packing-slip-{}.pdf", summary.number),
    ))
}

fn pick_data(list: &PickList) -> PickListData {
    PickListData {
        number: list.number.clone(),
        location: list.location.clone(),
        created: list.created_at.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        created_by: list.created_by.clone(),
        lines: list
            .lines
            .iter()
            .map(|l| PickLine {
                bin: l.bin.clone(),
                sku: l.sku.clone(),
                title: l.title.clone(),
                barcode: l.barcode.clone(),
                quantity: l.quantity,
                totes: l
                    .allocations
                    .iter()
                    .map(|a| format!("#{}: {}", a.slot, a.quantity))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect(),
        totes: list
            .shipments
            .iter()
            .map(|s| PickTote {
                slot: s.slot,
                shipment: s.number.clone(),
                order: s.order_number.clone(),
                units: s.units,
            })
            .collect(),
    }
}

/// Print a pick list
///
/// The pick list for the walk: lines in bin order with each SKU's total and the
/// totes it goes to, then the totes and their shipments.
#[utoipa::path(get, path = "/api/v1/pick-lists/{key}/pdf", tag = "fulfilment",
    params(("key" = String, Path, description = "Pick list number or id")),
    responses(
        (status = 200, description = "The pick list", content((Binary = "application/pdf"))),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_pick_list_pdf(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    pick_list_document(&s, &key).await
}

/// The pick list `key` as a PDF file, for the API and the pages.
pub(crate) async fn pick_list_document(s: &AppState, key: &str) -> ApiResult<Response> {
    let list = s.store.pick_list(key).await?;
    let name = format!("pick-list-{}.pdf", list.number);
    let pdf = render(pick_data(&list), pick_list_pdf).await?;
    Ok(file(pdf, "application/pdf", name))
}
