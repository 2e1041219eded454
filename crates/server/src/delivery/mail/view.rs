//! What a customer email shows, read from the store when it is rendered: the order as
//! it stands, and the facts of the step it is about (the shipment that left, the
//! refund given, the return authorized) from the message that caused it. Templates
//! see this and nothing else, so a seller's template cannot reach other data.

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;
use switchyard_core::catalog::Address;
use switchyard_core::mail::EmailKind;
use switchyard_core::money::Money;
use switchyard_core::order::LineStatus;
use switchyard_core::returns::EXCHANGE_SUFFIX;
use switchyard_store::catalog::Channel;
use switchyard_store::order::{Order, OrderLine};
use switchyard_store::{Store, StoreResult};

impl View {
    /// The view of an email about the order alone: every step's section empty.
    pub fn about(kind: EmailKind, shop: String, order: OrderView) -> View {
        View {
            kind,
            shop,
            order,
            shipment: None,
            backordered: Vec::new(),
            cancelled: None,
            refund: None,
            return_: None,
            exchange: None,
            payment: None,
            feedback: None,
        }
    }
}

/// Everything a template of one email may show.
#[derive(Debug, Clone, Serialize)]
pub struct View {
    pub kind: EmailKind,
    /// Who the email is from, as the customer knows them: the channel's sender name,
    /// else its name.
    pub shop: String,
    pub order: OrderView,
    /// The parcel the email is about (shipped, out for delivery, delivered, running late).
    pub shipment: Option<ShipmentView>,
    /// Lines waiting for stock, with the date it is expected when known.
    pub backordered: Vec<LineView>,
    pub cancelled: Option<CancelledView>,
    pub refund: Option<RefundView>,
    #[serde(rename = "return")]
    pub return_: Option<ReturnView>,
    pub exchange: Option<ExchangeView>,
    pub payment: Option<PaymentView>,
    pub feedback: Option<FeedbackView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrderView {
    pub number: String,
    /// The day it was placed, `YYYY-MM-DD`.
    pub placed_on: String,
    pub customer_name: String,
    pub lines: Vec<LineView>,
    pub subtotal: String,
    pub discount: String,
    pub tax: String,
    pub shipping: String,
    pub total: String,
    pub ship_to: Vec<String>,
    /// The order's status page (a signed link, valid for `core::link::ORDER_VALID_FOR`),
    /// when the server knows its public address (`--public-url`).
    pub status_url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LineView {
    pub sku: String,
    pub title: String,
    pub quantity: i64,
    pub unit_price: String,
    pub total: String,
    pub status: LineStatus,
    /// For a backordered line: the day stock is expected, `YYYY-MM-DD`.
    pub expected_on: Option<String>,
}

/// Some units of one item.
#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    pub sku: String,
    pub title: String,
    pub quantity: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ShipmentView {
    pub number: String,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    /// What is in this parcel.
    pub items: Vec<ItemView>,
    /// The promised delivery day, `YYYY-MM-DD`.
    pub promised_on: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CancelledView {
    /// The whole order, or some lines of it.
    pub whole: bool,
    pub reason: Option<String>,
    pub items: Vec<ItemView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RefundView {
    pub amount: String,
    /// What it is for, in words (a return, a cancellation, a goodwill gesture).
    pub reason: String,
    pub items: Vec<ItemView>,
    /// Whether shipping is part of it.
    pub shipping: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReturnView {
    pub number: String,
    pub items: Vec<ItemView>,
    /// Where the items go, one address line each.
    pub send_to: Vec<String>,
    /// Whether everything authorized has arrived.
    pub complete: bool,
    /// The file name of the return label attached to the email (the authorization's).
    pub label: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExchangeView {
    /// The RMA number of the return the exchange is for.
    pub return_number: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PaymentView {
    pub note: Option<String>,
}

/// The feedback request's links, made when the email is written (the event does not
/// carry them), and the last day they work.
#[derive(Debug, Clone, Serialize)]
pub struct FeedbackView {
    pub link: String,
    pub unsubscribe: String,
    pub until: String,
}

/// What an email is about: the order, and the data of the event that caused it (a
/// timeline event's `data`, or a shipment message's payload).
#[derive(Debug, Clone)]
pub struct Occasion<'a> {
    pub kind: EmailKind,
    pub order: &'a Order,
    pub channel: &'a Channel,
    pub data: &'a Value,
    /// Where customers reach this server's pages (`--public-url`), for links.
    pub public_url: &'a str,
}

fn day(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d").to_string()
}

fn money(m: Money) -> String {
    m.to_string()
}

fn text<'v>(data: &'v Value, key: &str) -> Option<&'v str> {
    data.get(key).and_then(Value::as_str)
}

fn address_lines(a: &Address) -> Vec<String> {
    let region_code = [a.region.as_deref(), a.postal_code.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    [
        Some(a.name.clone()),
        a.company.clone(),
        Some(a.line1.clone()),
        a.line2.clone(),
        Some(a.city.clone()),
        (!region_code.is_empty()).then_some(region_code),
        Some(a.country.clone()),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn line(l: &OrderLine) -> LineView {
    LineView {
        sku: l.sku.clone(),
        title: l.title.clone(),
        quantity: l.quantity,
        unit_price: money(l.unit_price),
        total: money(l.total),
        status: l.status,
        expected_on: l.expected_at.map(day),
    }
}

fn item_of(order: &Order, line_no: i64, quantity: i64) -> Option<ItemView> {
    order.lines.iter().find(|l| l.line_no == line_no).map(|l| ItemView {
        sku: l.sku.clone(),
        title: l.title.clone(),
        quantity,
    })
}

fn order_view(order: &Order) -> OrderView {
    let s = &order.summary;
    OrderView {
        number: s.number.clone(),
        placed_on: day(s.placed_at),
        customer_name: s.customer.name.clone(),
        lines: order.lines.iter().map(line).collect(),
        subtotal: money(s.totals.subtotal),
        discount: money(s.totals.discount),
        tax: money(s.totals.tax),
        shipping: money(s.totals.shipping),
        total: money(s.totals.total),
        ship_to: address_lines(&order.shipping_address),
        status_url: None,
    }
}

/// Builds the view of an email about `occasion`, reading what else it shows.
pub async fn build(store: &Store, occasion: &Occasion<'_>) -> StoreResult<View> {
    let Occasion {
        kind,
        order,
        channel,
        data,
        public_url,
    } = occasion;
    let shop = channel
        .email
        .sender_name
        .clone()
        .unwrap_or_else(|| channel.name.clone());
    let mut view = View::about(*kind, shop, order_view(order));
    if !public_url.is_empty() {
        let path = store.order_status_path(&order.summary.id).await?;
        view.order.status_url = Some(format!("{public_url}{path}"));
    }
    match kind {
        EmailKind::OrderReceived => {}
        EmailKind::Backordered => {
            view.backordered = order
                .lines
                .iter()
                .filter(|l| l.status == LineStatus::Backordered)
                .map(line)
                .collect();
        }
        EmailKind::Shipped | EmailKind::OutForDelivery | EmailKind::Delivered | EmailKind::RunningLate => {
            if let Some(id) = text(data, "shipment_id") {
                view.shipment = Some(shipment(store, id).await?);
            }
        }
        EmailKind::Cancelled => view.cancelled = Some(cancelled(order, data)),
        EmailKind::RefundIssued => view.refund = Some(refund(order, data)),
        EmailKind::ReturnAuthorized | EmailKind::ReturnReceived => {
            if let Some(number) = text(data, "return") {
                view.return_ = Some(return_view(store, *kind, order, number, data).await?);
            }
        }
        EmailKind::ExchangePlaced => {
            let external = order.summary.external_id.as_deref().unwrap_or_default();
            view.exchange = Some(ExchangeView {
                return_number: external.strip_suffix(EXCHANGE_SUFFIX).unwrap_or(external).to_owned(),
            });
        }
        EmailKind::FeedbackRequest => {
            if let Some(until) = text(data, "expires_at").and_then(|t| t.parse::<Timestamp>().ok()) {
                let (link, unsubscribe) = store.feedback_link(&order.summary.id, until).await?;
                view.feedback = Some(FeedbackView {
                    link: format!("{public_url}{link}"),
                    unsubscribe: format!("{public_url}{unsubscribe}"),
                    until: day(until),
                });
            }
        }
        EmailKind::PaymentFailed => {
            view.payment = Some(PaymentView {
                note: text(data, "note").map(str::to_owned),
            });
        }
    }
    Ok(view)
}

async fn shipment(store: &Store, id: &str) -> StoreResult<ShipmentView> {
    let s = store.shipment(id).await?;
    let open =
        |l: &&switchyard_store::shipment::ShipmentLine| l.status == switchyard_core::shipment::ShipmentLineStatus::Open;
    Ok(ShipmentView {
        number: s.summary.number.clone(),
        carrier: s.summary.carrier.map(|c| c.name().to_owned()),
        tracking_number: s.summary.tracking_number.clone(),
        tracking_url: s.summary.tracking_url.clone(),
        items: s
            .lines
            .iter()
            .filter(open)
            .map(|l| ItemView {
                sku: l.sku.clone(),
                title: l.title.clone(),
                quantity: l.quantity,
            })
            .collect(),
        promised_on: s.summary.promised_delivery_at.map(day),
    })
}

fn cancelled(order: &Order, data: &Value) -> CancelledView {
    let one = text(data, "line_id");
    let items = order
        .lines
        .iter()
        .filter(|l| match one {
            Some(id) => l.id.as_str() == id,
            None => l.status == LineStatus::Cancelled,
        })
        .map(|l| ItemView {
            sku: l.sku.clone(),
            title: l.title.clone(),
            quantity: l.quantity,
        })
        .collect();
    CancelledView {
        whole: one.is_none(),
        reason: text(data, "reason").map(str::to_owned),
        items,
    }
}

fn refund(order: &Order, data: &Value) -> RefundView {
    let amount = data
        .get("amount")
        .and_then(|a| serde_json::from_value::<Money>(a.clone()).ok())
        .map(money)
        .unwrap_or_default();
    let reason = text(data, "appeasement_reason")
        .map(|r| format!("a goodwill gesture ({})", r.replace('_', " ")))
        .or_else(|| text(data, "refund_reason").map(|r| r.replace('_', " ")))
        .unwrap_or_else(|| "your order".to_owned());
    let items = data
        .get("lines")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|l| {
            let line_no = l.get("line_no")?.as_i64()?;
            let quantity = l.get("quantity")?.as_i64()?;
            item_of(order, line_no, quantity)
        })
        .collect();
    let shipping = data
        .get("shipping")
        .and_then(|s| s.get("amount"))
        .and_then(Value::as_i64)
        .is_some_and(|a| a > 0);
    RefundView {
        amount,
        reason,
        items,
        shipping,
    }
}

/// The name of a return's label as attached to its email.
pub fn label_file(rma: &str) -> String {
    format!("return-label-{rma}.pdf")
}

async fn return_view(
    store: &Store,
    kind: EmailKind,
    order: &Order,
    number: &str,
    data: &Value,
) -> StoreResult<ReturnView> {
    let r = store.return_request(number).await?;
    let items = r
        .lines
        .iter()
        .filter_map(|l| item_of(order, l.line_no, l.quantity))
        .collect();
    Ok(ReturnView {
        number: r.summary.number.clone(),
        items,
        send_to: r.ship_to.as_ref().map(address_lines).unwrap_or_default(),
        complete: data.get("complete").and_then(Value::as_bool).unwrap_or(false),
        label: (kind == EmailKind::ReturnAuthorized && r.summary.authorized_at.is_some())
            .then(|| label_file(&r.summary.number)),
    })
}
