//! Running an import: each ready order of a file placed through `Store::place_order`
//! (the path `POST /api/v1/orders` takes, so the channel and external id rule makes a
//! re-run create nothing twice), or in a dry run only checked (the channel, each SKU);
//! every refusal named by row and column. Shared by the API and `switchyard import`.

use std::collections::HashMap;

use serde::Serialize;
use switchyard_channels::import::{FileOrder, Import, Problem};
use switchyard_core::order::OrderDraft;
use switchyard_core::validation::FieldError;
use switchyard_store::{Store, StoreError};
use utoipa::ToSchema;

use crate::telemetry;

/// What became of one order of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportOutcome {
    /// Placed now.
    Created,
    /// The channel already had an order with this id (an earlier import, a webhook):
    /// nothing was placed again.
    Existing,
    /// A dry run found nothing wrong with it.
    Checked,
    /// A row of it has a problem, or placing it was refused: nothing of it was stored.
    Refused,
}

/// One order of the file and what became of it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportedOrder {
    #[schema(example = "202-1000001-1000001")]
    pub external_id: String,
    /// Its rows, as a spreadsheet numbers them (the header is row 1).
    #[schema(example = json!([2, 3]))]
    pub rows: Vec<usize>,
    pub outcome: ImportOutcome,
    /// Our order's number, when it is placed (now or before).
    #[schema(example = "SO-100042")]
    pub number: Option<String>,
}

/// One problem: the row as a spreadsheet numbers it, the column's header, the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RowProblem {
    #[schema(example = 4)]
    pub row: usize,
    #[schema(example = "item-price")]
    pub column: String,
    #[schema(example = "`3.5O` is not a decimal amount in GBP")]
    pub reason: String,
    /// The order id of the row, when it has one.
    #[schema(example = "202-2000002-2000002")]
    pub order: Option<String>,
}

impl From<Problem> for RowProblem {
    fn from(p: Problem) -> Self {
        RowProblem {
            row: p.row,
            column: p.column,
            reason: p.reason,
            order: p.order,
        }
    }
}

/// How many orders and rows went which way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ImportCounts {
    pub orders_created: usize,
    pub orders_existing: usize,
    pub orders_checked: usize,
    pub orders_refused: usize,
    /// Rows below the header.
    pub rows: usize,
    /// Rows of refused orders, and rows without an order id.
    pub rows_refused: usize,
}

/// What an import did: counts, each order, each problem by row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportReport {
    #[schema(example = "amazon")]
    pub channel: String,
    pub dry_run: bool,
    pub counts: ImportCounts,
    pub orders: Vec<ImportedOrder>,
    /// Every problem, by row; empty when every order went in (or was already there).
    pub problems: Vec<RowProblem>,
}

impl ImportReport {
    /// Whether every row went in (or, in a dry run, would).
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Places (or, in a dry run, checks) every ready order of `import` for `channel`,
/// calling `progress` with the rows done after each order. An unknown or archived
/// channel is refused before anything; a database failure stops the run (nothing of
/// the order at hand was stored, and a re-run skips the orders placed).
pub async fn run(
    store: &Store,
    import: &Import,
    channel: &str,
    dry_run: bool,
    actor: &str,
    mut progress: impl FnMut(usize),
) -> Result<ImportReport, StoreError> {
    let found = match store.channel(channel).await {
        Ok(c) => c,
        Err(StoreError::NotFound { .. }) => {
            return Err(StoreError::invalid(
                "/channel",
                "unknown_channel",
                format!("there is no channel {channel}"),
            ));
        }
        Err(e) => return Err(e),
    };
    if found.archived_at.is_some() {
        return Err(StoreError::invalid(
            "/channel",
            "archived",
            format!("channel {} is archived", found.code),
        ));
    }
    let mut report = ImportReport {
        channel: found.code.clone(),
        dry_run,
        counts: ImportCounts {
            rows: import.rows,
            ..ImportCounts::default()
        },
        orders: Vec::with_capacity(import.orders.len()),
        problems: import.problems.iter().cloned().map(RowProblem::from).collect(),
    };
    let mut skus = HashMap::new();
    for order in &import.orders {
        let (outcome, number, problems) = match &order.draft {
            None => (ImportOutcome::Refused, None, Vec::new()),
            Some(draft) if dry_run => {
                let problems = check_skus(store, import, order, draft, &mut skus).await?;
                (ImportOutcome::Checked, None, problems)
            }
            Some(draft) => place(store, import, order, draft, actor).await?,
        };
        let outcome = if problems.is_empty() {
            outcome
        } else {
            ImportOutcome::Refused
        };
        report.problems.extend(problems.into_iter().map(RowProblem::from));
        let counts = &mut report.counts;
        match outcome {
            ImportOutcome::Created => counts.orders_created += 1,
            ImportOutcome::Existing => counts.orders_existing += 1,
            ImportOutcome::Checked => counts.orders_checked += 1,
            ImportOutcome::Refused => {
                counts.orders_refused += 1;
                counts.rows_refused += order.rows.len();
            }
        }
        report.orders.push(ImportedOrder {
            external_id: order.external_id.clone(),
            rows: order.rows.clone(),
            outcome,
            number,
        });
        progress(order.rows.len());
    }
    let grouped: usize = import.orders.iter().map(|o| o.rows.len()).sum();
    report.counts.rows_refused += import.rows.saturating_sub(grouped);
    report.problems.sort_by_key(|p| p.row);
    Ok(report)
}

type Placed = (ImportOutcome, Option<String>, Vec<Problem>);

async fn place(
    store: &Store,
    import: &Import,
    order: &FileOrder,
    draft: &OrderDraft,
    actor: &str,
) -> Result<Placed, StoreError> {
    let placed = store.place_order(draft, actor).await;
    if let Ok(p) = &placed {
        // Counted as `POST /api/v1/orders` counts them; refusals are in the report.
        telemetry::count_placement(store, &draft.channel, Ok(p.created)).await;
    }
    let refuse = |reason: String| Ok((ImportOutcome::Refused, None, vec![import.refuse(order, reason)]));
    match placed {
        Ok(p) => {
            let outcome = if p.created {
                ImportOutcome::Created
            } else {
                ImportOutcome::Existing
            };
            Ok((outcome, Some(p.order.summary.number), Vec::new()))
        }
        Err(StoreError::Invalid(errors)) => Ok((
            ImportOutcome::Refused,
            None,
            errors.iter().map(|e| import.locate(order, e)).collect(),
        )),
        Err(StoreError::InsufficientStock(short)) => {
            let problems = short
                .iter()
                .map(|s| {
                    let error = FieldError {
                        field: format!("/lines/{}/quantity", s.line),
                        code: "insufficient_stock",
                        message: format!(
                            "not enough stock of {}: the order asks {}, the most one location has is {}",
                            s.sku, s.requested, s.available
                        ),
                    };
                    import.locate(order, &error)
                })
                .collect();
            Ok((ImportOutcome::Refused, None, problems))
        }
        Err(e @ (StoreError::Database(_) | StoreError::NotCommitted(_) | StoreError::Corrupt(_))) => Err(e),
        Err(StoreError::Config(message)) => Err(StoreError::Config(message)),
        Err(other) => refuse(other.to_string()),
    }
}

/// A dry run's check of each line's SKU (a product that exists and is not archived),
/// each SKU looked up once per run.
async fn check_skus(
    store: &Store,
    import: &Import,
    order: &FileOrder,
    draft: &OrderDraft,
    known: &mut HashMap<String, Option<String>>,
) -> Result<Vec<Problem>, StoreError> {
    let mut problems = Vec::new();
    for (i, line) in draft.lines.iter().enumerate() {
        if !known.contains_key(&line.sku) {
            let refusal = match store.product(&line.sku).await {
                Ok(p) if p.archived_at.is_some() => Some(format!("product {} is archived", line.sku)),
                Ok(_) => None,
                Err(StoreError::NotFound { .. }) => Some(format!("there is no product with SKU {}", line.sku)),
                Err(e) => return Err(e),
            };
            known.insert(line.sku.clone(), refusal);
        }
        if let Some(Some(reason)) = known.get(&line.sku) {
            let error = FieldError {
                field: format!("/lines/{i}/sku"),
                code: "unknown_sku",
                message: reason.clone(),
            };
            problems.push(import.locate(order, &error));
        }
    }
    Ok(problems)
}
