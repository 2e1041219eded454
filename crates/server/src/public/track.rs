//! `GET /orders/status/{token}`: the order's page for its customer, reached by the
//! signed link of their emails or the look-up. It shows this order alone, in the
//! channel's name: when it was placed, each parcel (its status in words, carrier,
//! tracking number linked to the carrier's page, the expected or actual delivery day
//! and what is in it), what has not shipped yet (with the day stock is expected, when
//! known), what was cancelled, and the order's returns. Of the customer it shows their
//! first name and the town and postcode it goes to, nothing more.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use switchyard_core::order::LineStatus;
use switchyard_core::returns::open_lines;
use switchyard_core::shipment::ShipmentLineStatus;
use switchyard_store::catalog::Channel;
use switchyard_store::order::{Order, OrderLine};
use switchyard_store::{Store, StoreResult};

use super::{answer, failed, order_link};
use crate::AppState;

/// A day as the pages show it.
pub fn day(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d").to_string()
}

/// The name the customer knows the shop by: the channel's email sender name, else its
/// name.
pub fn brand(channel: &Channel) -> String {
    channel
        .email
        .sender_name
        .clone()
        .unwrap_or_else(|| channel.name.clone())
}

/// Some units of one item.
pub struct Item {
    pub title: String,
    pub sku: String,
    pub quantity: i64,
    /// For a line still waiting: the day stock is expected, when known.
    pub expected_on: Option<String>,
    pub backordered: bool,
}

impl Item {
    fn of(line: &OrderLine, quantity: i64) -> Item {
        Item {
            title: line.title.clone(),
            sku: line.sku.clone(),
            quantity,
            expected_on: line.expected_at.map(day),
            backordered: line.status == LineStatus::Backordered,
        }
    }
}

/// One parcel of the order.
pub struct Parcel {
    pub number: String,
    pub status: &'static str,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    pub shipped_on: Option<String>,
    /// The promised delivery day, while it is on its way.
    pub expected_on: Option<String>,
    pub delivered_on: Option<String>,
    pub items: Vec<Item>,
}

/// One return of the order.
pub struct ReturnRow {
    pub number: String,
    pub status: &'static str,
    pub requested_on: String,
    pub units: i64,
}

#[derive(Template)]
#[template(path = "public/status.html")]
pub struct StatusPage {
    pub brand: String,
    pub reply_to: Option<String>,
    pub token: String,
    pub number: String,
    pub placed_on: String,
    pub first_name: String,
    /// The town and postcode it goes to.
    pub ship_to: String,
    pub parcels: Vec<Parcel>,
    /// Lines that have not left yet.
    pub waiting: Vec<Item>,
    pub cancelled: Vec<Item>,
    pub returns: Vec<ReturnRow>,
    /// Whether something may still be sent back on the returns portal.
    pub can_return: bool,
}

async fn parcels(store: &Store, order: &Order) -> StoreResult<Vec<Parcel>> {
    let mut parcels = Vec::new();
    for summary in store.order_shipments(order.summary.id.as_str()).await? {
        let shipment = store.shipment(summary.id.as_str()).await?;
        let items: Vec<Item> = shipment
            .lines
            .iter()
            .filter(|l| l.status == ShipmentLineStatus::Open)
            .filter_map(|l| {
                let line = order.lines.iter().find(|o| o.id == l.line_id)?;
                Some(Item::of(line, l.quantity))
            })
            .collect();
        // A parcel withdrawn before it left carries nothing any more.
        if items.is_empty() {
            continue;
        }
        let s = shipment.summary;
        let delivered_on = s.milestones.delivered_at.map(day);
        parcels.push(Parcel {
            number: s.number,
            status: s.status.for_customer(),
            carrier: s.carrier.map(|c| c.name().to_owned()),
            tracking_number: s.tracking_number,
            tracking_url: s.tracking_url,
            shipped_on: s.milestones.shipped_at.map(day),
            expected_on: s.promised_delivery_at.map(day).filter(|_| delivered_on.is_none()),
            delivered_on,
            items,
        });
    }
    Ok(parcels)
}

/// Everything the page shows of `order`.
pub async fn status_page(store: &Store, order: &Order, token: &str) -> StoreResult<StatusPage> {
    let s = &order.summary;
    let channel = store.channel(s.channel_id.as_str()).await?;
    let returnable = store.returnable(&s.id).await?;
    let address = &order.shipping_address;
    Ok(StatusPage {
        brand: brand(&channel),
        reply_to: channel.email.reply_to.clone(),
        token: token.to_owned(),
        number: s.number.clone(),
        placed_on: day(s.placed_at),
        first_name: s.customer.name.split_whitespace().next().unwrap_or_default().to_owned(),
        ship_to: [Some(address.city.as_str()), address.postal_code.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
        parcels: parcels(store, order).await?,
        waiting: order
            .lines
            .iter()
            .filter(|l| l.status.is_waiting())
            .map(|l| Item::of(l, l.quantity))
            .collect(),
        cancelled: order
            .lines
            .iter()
            .filter(|l| l.status == LineStatus::Cancelled)
            .map(|l| Item::of(l, l.quantity))
            .collect(),
        returns: order
            .returns
            .iter()
            .map(|r| ReturnRow {
                number: r.number.clone(),
                status: r.status.for_customer(),
                requested_on: day(r.created_at),
                units: r.units,
            })
            .collect(),
        can_return: !open_lines(&returnable.lines, store.now(), returnable.window_days).is_empty(),
    })
}

/// `GET /orders/status/{token}`
pub async fn status(State(s): State<AppState>, Path(token): Path<String>) -> Response {
    let order = match order_link(&s, &token).await {
        Ok(order) => order,
        Err(page) => return page,
    };
    let order = match s.store.order(order.as_str()).await {
        Ok(order) => order,
        Err(e) => return failed(e),
    };
    match status_page(&s.store, &order, &token).await {
        Ok(page) => answer(StatusCode::OK, &page),
        Err(e) => failed(e),
    }
}
