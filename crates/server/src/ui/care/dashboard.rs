//! `GET /ui`: the customer care dashboard, each card linking into what it counts.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use switchyard_store::dashboard::{ChannelDay, Dashboard, Due, HoldCount, LowStock};

use super::WHEN;
use crate::AppState;
use crate::ui::{Chrome, Staff, failed, render};

#[derive(Template)]
#[template(path = "ui/care/dashboard.html")]
struct Page {
    chrome: Chrome,
    /// Today as the list's date filters take it (`2026-12-07`).
    today: String,
    /// When the figures were read, UTC.
    as_of: String,
    orders_today: Vec<ChannelDay>,
    /// The shipment cards, in the order shown.
    cards: [Card; 3],
    on_hold: Vec<HoldCount>,
    /// Orders on hold, whatever the reason.
    held: i64,
    low_stock: Vec<LowStock>,
}

/// A card of shipments: a count and the first few, most pressing first.
struct Card {
    id: &'static str,
    title: &'static str,
    /// What the count means, and which promise the listed times are.
    help: &'static str,
    due: Due,
    /// How many the card counts but does not list.
    more: i64,
}

impl Card {
    fn new(id: &'static str, title: &'static str, help: &'static str, due: Due) -> Card {
        Card {
            id,
            title,
            help,
            more: due.count - due.first.len() as i64,
            due,
        }
    }
}

pub async fn page(staff: Staff, State(s): State<AppState>) -> Response {
    let Dashboard {
        now,
        day_start,
        today,
        to_ship,
        late,
        exceptions,
        on_hold,
        low_stock,
    } = match s.store.dashboard().await {
        Ok(d) => d,
        Err(e) => return failed(e),
    };
    let cards = [
        Card::new(
            "to-ship",
            "To ship today",
            "On the floor, promised to leave by the end of today (times: ship-by).",
            to_ship,
        ),
        Card::new(
            "late",
            "Late against promise",
            "Not delivered, promised delivery passed (times: promised delivery).",
            late,
        ),
        Card::new(
            "exceptions",
            "Exceptions",
            "The carrier reported a problem or is returning the parcel.",
            exceptions,
        ),
    ];
    render(&Page {
        chrome: staff.chrome("dashboard"),
        today: day_start.strftime("%Y-%m-%d").to_string(),
        as_of: now.strftime(WHEN).to_string(),
        orders_today: today,
        cards,
        held: on_hold.iter().map(|h| h.orders).sum(),
        on_hold,
        low_stock,
    })
}
