//! `GET /ui/stock`: levels per SKU and location, with inbound and quarantined units;
//! `GET /ui/stock/{sku}`: one SKU's levels, its ledger, and the forms that move it.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use switchyard_core::catalog::holds_stock;
use switchyard_core::inventory::AdjustmentReason;
use switchyard_store::inventory::{LevelFilter, MovementFilter};
use switchyard_store::stock_view::LevelView;
use switchyard_store::{PageRequest, StoreError};

use super::moves::Forms;
use super::{location_codes, next_link, segment, signed, when};
use crate::AppState;
use crate::ui::{Chrome, Errors, Staff, failed, render};

/// One row of a levels table.
pub struct Row {
    pub sku: String,
    pub location: String,
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
    pub inbound: i64,
    pub quarantined: i64,
}

impl From<LevelView> for Row {
    fn from(v: LevelView) -> Row {
        Row {
            sku: v.level.sku,
            location: v.level.location,
            on_hand: v.level.on_hand,
            reserved: v.level.reserved,
            available: v.level.available,
            inbound: v.inbound,
            quarantined: v.quarantined,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct LevelQuery {
    #[serde(default)]
    sku: String,
    #[serde(default)]
    location: String,
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "ui/stock/levels.html")]
struct LevelsPage {
    chrome: Chrome,
    sku: String,
    location: String,
    locations: Vec<String>,
    rows: Vec<Row>,
    next: Option<String>,
    /// Why nothing is listed (an unknown SKU or location).
    problem: Option<String>,
}

/// `GET /ui/stock`
pub async fn list(staff: Staff, State(s): State<AppState>, Query(q): Query<LevelQuery>) -> Response {
    let locations = match location_codes(&s).await {
        Ok(l) => l,
        Err(e) => return failed(e),
    };
    let filter = LevelFilter {
        sku: super::Typed::text(&q.sku),
        location: super::Typed::text(&q.location),
    };
    let page = PageRequest {
        cursor: q.cursor.clone(),
        limit: None,
    };
    let (rows, next, problem) = match s.store.level_views(&filter, &page).await {
        Ok(levels) => {
            let filters = [("sku", q.sku.as_str()), ("location", q.location.as_str())];
            let next = next_link("/ui/stock", &filters, levels.next_cursor.as_deref());
            (levels.data.into_iter().map(Row::from).collect(), next, None)
        }
        Err(e @ StoreError::NotFound { .. }) => (Vec::new(), None, Errors::from_store(e).summary),
        Err(e) => return failed(e),
    };
    render(&LevelsPage {
        chrome: staff.chrome("stock"),
        sku: q.sku,
        location: q.location,
        locations,
        rows,
        next,
        problem,
    })
}

/// One ledger row as the SKU page lists it.
pub struct MovementRow {
    pub at: String,
    pub location: String,
    pub kind: &'static str,
    /// Signed, as `+5` or `-2`.
    pub on_hand: String,
    pub reserved: String,
    pub on_hand_after: i64,
    pub reason: String,
    pub note: String,
    pub reference: String,
    pub actor: String,
}

#[derive(Template)]
#[template(path = "ui/stock/sku.html")]
pub struct SkuPage {
    chrome: Chrome,
    sku: String,
    title: String,
    /// Why the stock forms are not shown (a kit holds no stock of its own).
    no_stock: Option<String>,
    rows: Vec<Row>,
    movements: Vec<MovementRow>,
    next: Option<String>,
    locations: Vec<String>,
    reasons: Vec<String>,
    forms: Forms,
    done: Option<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SkuQuery {
    cursor: Option<String>,
    done: Option<String>,
}

/// What the page says after a change of the form named `done`.
fn done_notice(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "received" => "Stock received.",
        "adjusted" => "Stock adjusted.",
        "counted" => "Count recorded.",
        "transferred" => "Stock transferred.",
        _ => return None,
    })
}

/// The SKU page with `forms` (empty, or the one refused with what was typed).
pub async fn sku_page(
    s: &AppState,
    chrome: Chrome,
    sku: &str,
    q: SkuQuery,
    forms: Forms,
) -> Result<SkuPage, StoreError> {
    let product = s.store.product(sku).await?;
    let levels = s
        .store
        .level_views(
            &LevelFilter {
                sku: Some(product.sku.clone()),
                location: None,
            },
            &PageRequest {
                cursor: None,
                limit: Some(switchyard_store::page::MAX_LIMIT),
            },
        )
        .await?;
    let movements = s
        .store
        .movements(
            &MovementFilter {
                sku: Some(product.sku.clone()),
                ..Default::default()
            },
            &PageRequest {
                cursor: q.cursor,
                limit: None,
            },
        )
        .await?;
    let path = format!("/ui/stock/{}", segment(&product.sku));
    Ok(SkuPage {
        chrome,
        no_stock: holds_stock(&product.sku, !product.components.is_empty())
            .err()
            .map(|e| e.message),
        rows: levels.data.into_iter().map(Row::from).collect(),
        next: next_link(&path, &[], movements.next_cursor.as_deref()),
        movements: movements
            .data
            .into_iter()
            .map(|m| MovementRow {
                at: when(m.created_at),
                location: m.location,
                kind: m.kind.as_str(),
                on_hand: signed(m.on_hand_delta),
                reserved: signed(m.reserved_delta),
                on_hand_after: m.on_hand_after,
                reason: m.reason.unwrap_or_default(),
                note: m.note.unwrap_or_default(),
                reference: m.reference.unwrap_or_default(),
                actor: m.actor,
            })
            .collect(),
        locations: location_codes(s).await?,
        reasons: AdjustmentReason::ALL.iter().map(|r| r.as_str().to_owned()).collect(),
        forms,
        done: done_notice(q.done.as_deref()),
        sku: product.sku,
        title: product.title,
    })
}

/// `GET /ui/stock/{sku}`
pub async fn sku(
    staff: Staff,
    State(s): State<AppState>,
    Path(sku): Path<String>,
    Query(q): Query<SkuQuery>,
) -> Response {
    match sku_page(&s, staff.chrome("stock"), &sku, q, Forms::default()).await {
        Ok(page) => render(&page),
        Err(e) => failed(e),
    }
}
