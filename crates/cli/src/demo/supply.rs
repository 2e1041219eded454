//! The history's stock: opening stock for about two months, then a weekly review that
//! orders from each product line's supplier what will run short before its next
//! delivery, sized by the last four weeks' sales and the season ahead. Suppliers
//! deliver at their own lead times, give or take a few days, some in two parts.
//! A few SKUs are kept deliberately deep (overstocked), a few too thin (they run out
//! and wait on backorder).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::civil::Date;
use jiff::{SignedDuration, ToSpan};
use switchyard_core::inventory::{Quantity, StockCommand};
use switchyard_core::purchase::{
    PurchaseOrderDraft, PurchaseOrderInput, PurchaseOrderLineInput, PurchaseReceiptInput, ReceiptLineInput,
    SupplierInput,
};
use switchyard_store::inventory::{LevelFilter, MovementContext};
use switchyard_store::page::PageRequest;

use super::history::{History, SITES, Task, date_of};
use super::{ACTOR, season};

/// A product line's supplier: name, lead time and its spread in days, case size.
struct Supplier {
    name: &'static str,
    lead_days: i64,
    spread_days: i64,
    case: i64,
}

/// A purchase order from `supplier` to `location`, expected at `expected`, of
/// `(sku, quantity)` lines, checked by core as the API would.
pub(super) fn purchase_order<'a>(
    supplier: &str,
    location: &str,
    expected: String,
    lines: impl Iterator<Item = (&'a str, i64)>,
) -> anyhow::Result<PurchaseOrderDraft> {
    let input = PurchaseOrderInput {
        supplier: Some(SupplierInput {
            name: Some(supplier.into()),
            reference: None,
            email: None,
        }),
        location: Some(location.into()),
        currency: Some("GBP".into()),
        expected_at: Some(expected),
        lines: Some(
            lines
                .map(|(sku, quantity)| PurchaseOrderLineInput {
                    sku: Some(sku.into()),
                    quantity: Some(quantity),
                    unit_cost: None,
                    expected_at: None,
                })
                .collect(),
        ),
        notes: None,
    };
    input.parse().map_err(|e| anyhow::anyhow!("demo purchase order: {e:?}"))
}

fn supplier(sku: &str) -> Supplier {
    let s = |name, lead_days, spread_days, case| Supplier {
        name,
        lead_days,
        spread_days,
        case,
    };
    match sku.split('-').next().unwrap_or_default() {
        "TEE" | "HOOD" => s("Cotton Co", 21, 4, 12),
        "SOCK" => s("Merino Mills", 28, 6, 12),
        "MUG" | "CANDLE" => s("Fern Pottery", 10, 3, 6),
        "TOTE" | "CAP" => s("Canvas & Co", 14, 3, 12),
        _ => s("Riso Press", 5, 1, 10),
    }
}

/// Extra days on the way to a location other than London.
fn freight_days(location: &str) -> i64 {
    match location {
        "NJ-3PL" => 9,
        "BER-SHOP" => 3,
        _ => 0,
    }
}

/// Weeks of stock a SKU is kept to after a delivery.
fn cover_weeks(sku: &str) -> f64 {
    const DEEP: &[&str] = &[
        "MUG-FERN",
        "TEE-BLA-M",
        "TEE-BLA-L",
        "NOTE-NATURAL",
        "CANDLE-CEDAR",
        "PRINT-A3-FERN",
    ];
    const THIN: &[&str] = &[
        "HOOD-NAV-M",
        "HOOD-NAV-L",
        "TEE-SAG-M",
        "SOCK-STRIPE-M",
        "TOTE-RUST",
        "CANDLE-FIG",
    ];
    if DEEP.contains(&sku) {
        14.0
    } else if THIN.contains(&sku) {
        0.5
    } else {
        4.0
    }
}

/// Each location's share of the units sold.
fn share(location: &str) -> f64 {
    match location {
        "LON" => 0.78,
        "NJ-3PL" => 0.1,
        _ => 0.12,
    }
}

/// Units a day of all SKUs together, on an ordinary day: orders times lines times units.
const UNITS_PER_ORDER: f64 = 1.5 * 1.25;

/// What the supply side remembers: units shipped per day, SKU and location, and
/// units on order not yet arrived.
#[derive(Debug, Default)]
pub(super) struct Supply {
    shipped: HashMap<(String, String), BTreeMap<Date, i64>>,
    inbound: HashMap<(String, String), i64>,
    /// Orders known to have work waiting at each location.
    waiting: HashMap<String, BTreeSet<String>>,
}

impl Supply {
    pub(super) fn shipped(&mut self, date: Date, sku: &str, location: &str, units: i64) {
        *self
            .shipped
            .entry((sku.to_owned(), location.to_owned()))
            .or_default()
            .entry(date)
            .or_default() += units;
    }

    /// Notes that `order` has work waiting at `location`.
    pub(super) fn waits(&mut self, location: &str, order: &str) {
        self.waiting
            .entry(location.to_owned())
            .or_default()
            .insert(order.to_owned());
    }

    pub(super) fn take_waiting(&mut self, location: &str) -> BTreeSet<String> {
        self.waiting.remove(location).unwrap_or_default()
    }

    fn shipped_since(&self, sku: &str, location: &str, since: Date) -> i64 {
        self.shipped
            .get(&(sku.to_owned(), location.to_owned()))
            .map_or(0, |days| days.range(since..).map(|(_, n)| n).sum())
    }
}

/// A purchase order placed at the end: supplier, location, days until it is due, and
/// its SKUs and units.
pub(super) type Restock = (&'static str, &'static str, i64, [(&'static str, i64); 3]);

/// Purchase orders the demo places at its end, still on their way; a history order
/// that would still be on its way then is not placed for these SKUs.
pub(super) const RESTOCK: [Restock; 3] = [
    (
        "Cotton Co",
        "LON",
        5,
        [("TEE-BLA-M", 120), ("TEE-BLA-L", 120), ("TEE-OAT-M", 80)],
    ),
    (
        "Fern Pottery",
        "LON",
        12,
        [("MUG-FERN", 60), ("MUG-WAVE", 60), ("MUG-MOTH", 40)],
    ),
    (
        "Cotton Co",
        "NJ-3PL",
        9,
        [("TEE-SAG-S", 50), ("TEE-SAG-M", 50), ("HOOD-NAV-M", 30)],
    ),
];

impl History<'_> {
    /// Units a day a SKU sells at a location on an ordinary day of `month`, as the
    /// planner expects them before there is any history.
    fn expected_daily(&self, index: usize, location: &str, month: i8) -> f64 {
        let popularity: Vec<u64> = self.skus.iter().map(|s| season::popularity(&s.sku, month)).collect();
        let total: u64 = popularity.iter().sum();
        let part = popularity.get(index).copied().unwrap_or(0) as f64 / total.max(1) as f64;
        self.orders_per_day * UNITS_PER_ORDER * part * share(location)
    }

    /// Opening stock: about eight weeks of expected sales (more of the deep SKUs),
    /// received at every location.
    pub(super) async fn opening_stock(&mut self) -> anyhow::Result<()> {
        let month = date_of(self.now()).month();
        for (i, s) in self.skus.iter().enumerate() {
            for (location, ..) in SITES {
                let weeks = 4.0 + cover_weeks(&s.sku).min(8.0);
                let units = (self.expected_daily(i, location, month) * 7.0 * weeks).ceil() as i64 + 2;
                let ctx = MovementContext {
                    actor: ACTOR.into(),
                    note: Some("opening stock".into()),
                    reference: Some("DEMO-OPENING".into()),
                };
                let q = Quantity::new(units).map_err(|e| anyhow::anyhow!(e.message))?;
                self.store
                    .move_stock(&s.sku, location, StockCommand::Receive(q), &ctx)
                    .await?;
            }
        }
        Ok(())
    }

    /// The weekly review: per location, what each SKU will need until the delivery
    /// after next, ordered from its supplier when what is there and on order falls
    /// short of what sells before the next delivery.
    pub(super) async fn replenish(&mut self) -> anyhow::Result<()> {
        let today = date_of(self.now());
        let history_days = (today - date_of(self.began)).get_days().max(0);
        for (location, ..) in SITES {
            let filter = LevelFilter {
                sku: None,
                location: Some(location.to_owned()),
            };
            let page = PageRequest {
                cursor: None,
                limit: Some(500),
            };
            let levels = self.store.levels(&filter, &page).await?.data;
            let mut orders: BTreeMap<&'static str, Vec<(String, i64)>> = BTreeMap::new();
            for level in levels {
                let Some(index) = self.skus.iter().position(|s| s.sku == level.sku) else {
                    continue;
                };
                let sup = supplier(&level.sku);
                let lead = sup.lead_days + freight_days(location);
                let expected = self.expected_daily(index, location, today.month());
                let sold = self
                    .supply
                    .shipped_since(&level.sku, location, today.saturating_sub(28.days()));
                // The last four weeks, once there are four weeks to go by.
                let known = (history_days.min(28) as f64 / 28.0).clamp(0.0, 1.0);
                let rate = known * sold as f64 / 28.0 + (1.0 - known) * expected;
                let ahead = season::outlook(&level.sku, today, lead);
                let key = (level.sku.clone(), location.to_owned());
                let position = level.available + self.supply.inbound.get(&key).copied().unwrap_or(0);
                let reorder_at = rate * ahead * (lead + 7) as f64;
                if (position as f64) >= reorder_at.max(1.0) {
                    continue;
                }
                let target = rate * ahead * (lead as f64 + 7.0 * cover_weeks(&level.sku));
                let short = (target - position as f64).ceil() as i64;
                let units = ((short.max(1) + sup.case - 1) / sup.case) * sup.case;
                let arrives = self.now() + SignedDuration::from_hours(24 * lead);
                let closing = RESTOCK
                    .iter()
                    .any(|(_, l, _, lines)| *l == location && lines.iter().any(|(sku, _)| *sku == level.sku));
                if arrives > self.end && closing {
                    continue;
                }
                orders.entry(sup.name).or_default().push((level.sku, units));
            }
            for (name, lines) in orders {
                self.purchase(name, location, lines).await?;
            }
        }
        Ok(())
    }

    /// Orders `lines` from `name` for `location`, and plans the deliveries: at the
    /// lead time give or take its spread, one in eight in two parts.
    async fn purchase(&mut self, name: &'static str, location: &str, lines: Vec<(String, i64)>) -> anyhow::Result<()> {
        let Some((first, _)) = lines.first() else {
            return Ok(());
        };
        let sup = supplier(first);
        let lead = sup.lead_days + freight_days(location);
        let expected = (self.now() + SignedDuration::from_hours(24 * lead)).to_string();
        let draft = purchase_order(
            name,
            location,
            expected,
            lines.iter().map(|(sku, q)| (sku.as_str(), *q)),
        )?;
        let po = self.store.create_purchase_order(&draft, ACTOR).await?;
        self.stats.purchase_orders += 1;
        for (sku, units) in &lines {
            *self
                .supply
                .inbound
                .entry((sku.clone(), location.to_owned()))
                .or_default() += units;
        }
        let spread = sup.spread_days;
        let days = lead - spread + self.rng.below(2 * spread as u64 + 1) as i64;
        let hours = 24 * days + self.rng.below(8) as i64;
        let number = po.summary.number;
        if self.rng.below(8) == 0 {
            let (part, rest): (Vec<_>, Vec<_>) = lines
                .iter()
                .map(|(sku, units)| {
                    let now = units * 7 / 10;
                    ((sku.clone(), now), (sku.clone(), units - now))
                })
                .unzip();
            self.after_minutes(
                hours * 60,
                Task::Receive {
                    po: number.clone(),
                    lines: part,
                },
            );
            let later = hours + 24 * (3 + self.rng.below(5) as i64);
            self.after_minutes(
                later * 60,
                Task::Receive {
                    po: number,
                    lines: rest,
                },
            );
        } else {
            self.after_minutes(hours * 60, Task::Receive { po: number, lines });
        }
        Ok(())
    }

    /// Goods arrive: received against the purchase order (backorders they can fill
    /// are filled by the store).
    pub(super) async fn receive(&mut self, po: &str, lines: &[(String, i64)]) -> anyhow::Result<()> {
        let lines: Vec<&(String, i64)> = lines.iter().filter(|(_, n)| *n > 0).collect();
        if lines.is_empty() {
            return Ok(());
        }
        let input = PurchaseReceiptInput {
            lines: Some(
                lines
                    .iter()
                    .map(|(sku, quantity)| ReceiptLineInput {
                        line: None,
                        sku: Some(sku.clone()),
                        quantity: Some(*quantity),
                    })
                    .collect(),
            ),
            note: Some(format!("delivery note DN-{}", 4000 + self.rng.below(6000))),
        };
        let request = input.parse().map_err(|e| anyhow::anyhow!("demo receipt {po}: {e:?}"))?;
        let Some(outcome) = self.allowed(self.store.receive_purchase_order(po, &request, ACTOR).await)? else {
            return Ok(());
        };
        let location = outcome.purchase_order.summary.location.clone();
        for (sku, units) in lines {
            if let Some(left) = self.supply.inbound.get_mut(&(sku.clone(), location.clone())) {
                *left -= units;
            }
        }
        Ok(())
    }
}
