//! Loads what routing needs from the database — the locations a channel may ship from
//! that serve a destination, their zone, promise and stock, and what each product
//! takes from stock (a kit takes its components) — and runs the rules of
//! `switchyard_core::routing` on it. Used by placement, simulation, backorder
//! catch-up and re-routing alike.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use switchyard_core::id::{ChannelId, LocationId, ProductId};
use switchyard_core::money::{Currency, Money};
use switchyard_core::order::ServiceLevel;
use switchyard_core::routing::zone::{Destination, best_zone, default_transit_days};
use switchyard_core::routing::{self, Decision, Line, Site, SplitPolicy, promise};

use crate::Store;
use crate::db::{self, Arg, Link, Sql, get_id};
use crate::error::{StoreError, StoreResult};

/// What one unit of a product takes from a location's stock, and what it weighs.
#[derive(Debug, Clone)]
pub(crate) struct UnitNeed {
    pub takes: Vec<(ProductId, i64)>,
    pub weight_grams: i64,
}

impl UnitNeed {
    /// The routing line for `quantity` units.
    pub fn line(&self, quantity: i64) -> Line {
        Line::of_units(&self.takes, self.weight_grams, quantity)
    }
}

/// The unit needs of `products`: kits expand into their components.
pub(crate) async fn unit_needs(
    conn: &mut Link,
    products: &BTreeSet<ProductId>,
) -> StoreResult<BTreeMap<ProductId, UnitNeed>> {
    let mut needs = BTreeMap::new();
    if products.is_empty() {
        return Ok(needs);
    }
    let ids = || products.iter().map(|p| Arg::Text(p.to_string()));
    let mut sql = Sql::new("SELECT id, weight_grams FROM product WHERE id IN (");
    sql.list(ids()).push(")");
    let mut weights: BTreeMap<ProductId, Option<i64>> = BTreeMap::new();
    for row in sql.query().fetch_all(&mut *conn).await? {
        weights.insert(get_id(&row, "id")?, row.try_get("weight_grams")?);
    }
    let mut sql = Sql::new(
        "SELECT kc.kit_id, kc.component_id, kc.quantity, p.weight_grams FROM kit_component kc \
         JOIN product p ON p.id = kc.component_id WHERE kc.kit_id IN (",
    );
    sql.list(ids()).push(") ORDER BY kc.component_id");
    let mut kits: BTreeMap<ProductId, Vec<(ProductId, i64, i64)>> = BTreeMap::new();
    for row in sql.query().fetch_all(&mut *conn).await? {
        kits.entry(get_id(&row, "kit_id")?).or_default().push((
            get_id(&row, "component_id")?,
            row.try_get("quantity")?,
            row.try_get::<Option<i64>, _>("weight_grams")?.unwrap_or(0),
        ));
    }
    for product in products {
        let own = weights.get(product).copied().flatten();
        let need = match kits.remove(product) {
            Some(parts) => UnitNeed {
                weight_grams: own.unwrap_or_else(|| routing::kit_grams(parts.iter().map(|(_, q, w)| (*q, *w)))),
                takes: parts.into_iter().map(|(p, q, _)| (p, q)).collect(),
            },
            None => UnitNeed {
                takes: vec![(product.clone(), 1)],
                weight_grams: own.unwrap_or(0),
            },
        };
        needs.insert(product.clone(), need);
    }
    Ok(needs)
}

/// Where an order goes and how fast.
#[derive(Debug, Clone)]
pub(crate) struct Route<'a> {
    pub channel: &'a ChannelId,
    pub destination: Destination<'a>,
    pub level: ServiceLevel,
    pub currency: Currency,
    pub policy: SplitPolicy,
}

/// A location the channel may ship an order from, with its zone for the destination.
#[derive(Debug, Clone)]
struct Candidate {
    location: LocationId,
    code: String,
    priority: i64,
    tz: jiff::tz::TimeZone,
    cutoff_minutes: i64,
    handling_days: i64,
    cost_per_shipment: Money,
    cost_per_kg: Money,
    transit_days: i64,
}

/// What routing an order takes besides stock: what each of its products takes from
/// stock, and the locations that may ship it. It changes only when the catalog or the
/// network is edited, so placement reads it before its write turn.
#[derive(Debug, Clone)]
pub(crate) struct Network {
    needs: BTreeMap<ProductId, UnitNeed>,
    candidates: Vec<Candidate>,
}

impl Store {
    /// The channel's locations that may ship to the destination — not archived, not
    /// disabled, shipping to customers, with a zone for the destination and service
    /// level (or no zones at all) — in priority order, and the unit needs of `products`.
    pub(crate) async fn network(
        &self,
        conn: &mut Link,
        route: &Route<'_>,
        products: &BTreeSet<ProductId>,
    ) -> StoreResult<Network> {
        let needs = unit_needs(conn, products).await?;
        let rows = db::query(
            "SELECT l.id, l.code, l.priority, l.timezone, l.cutoff_minutes, l.handling_days \
             FROM channel_location cl JOIN location l ON l.id = cl.location_id \
             WHERE cl.channel_id = $1 AND l.archived_at IS NULL AND l.disabled_at IS NULL AND l.ships_to_customers = 1 \
             ORDER BY l.priority, cl.position",
        )
        .bind(route.channel.as_str())
        .fetch_all(&mut *conn)
        .await?;
        let ids: Vec<LocationId> = rows.iter().map(|r| get_id(r, "id")).collect::<StoreResult<_>>()?;
        let zones = crate::catalog::zones_of(&mut *conn, &ids).await?;
        let mut candidates = Vec::new();
        for (row, location) in rows.iter().zip(ids) {
            let (cost_per_shipment, cost_per_kg, transit_days) = match zones.get(&location) {
                None => (
                    Money::zero(route.currency),
                    Money::zero(route.currency),
                    default_transit_days(route.level),
                ),
                Some(list) => match best_zone(list, &route.destination, route.level) {
                    Some(z) => (z.cost_per_shipment, z.cost_per_kg, z.transit_days),
                    None => continue,
                },
            };
            let tz_name: String = row.try_get("timezone")?;
            let tz = promise::time_zone(&tz_name)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown time zone {tz_name}")))?;
            candidates.push(Candidate {
                location,
                code: row.try_get("code")?,
                priority: row.try_get("priority")?,
                tz,
                cutoff_minutes: row.try_get("cutoff_minutes")?,
                handling_days: row.try_get("handling_days")?,
                cost_per_shipment,
                cost_per_kg,
                transit_days,
            });
        }
        Ok(Network { needs, candidates })
    }

    /// Routes `lines` (product, quantity) over `network` with the stock `conn` sees
    /// now: the decision, with the sites and routing lines it refers to. A location
    /// disabled or archived since the network was read gets no stock.
    pub(crate) async fn route_on(
        &self,
        conn: &mut Link,
        network: &Network,
        policy: SplitPolicy,
        lines: &[(ProductId, i64)],
        now: Timestamp,
    ) -> StoreResult<(Decision, Vec<Site>, Vec<Line>)> {
        let route_lines: Vec<Line> = lines
            .iter()
            .map(|(p, q)| {
                network
                    .needs
                    .get(p)
                    .map(|n| n.line(*q))
                    .ok_or_else(|| StoreError::not_found("product", p.as_str()))
            })
            .collect::<StoreResult<_>>()?;
        let stocked: BTreeSet<ProductId> = route_lines
            .iter()
            .flat_map(|l| l.needs.iter().map(|(p, _)| p.clone()))
            .collect();
        let mut sites: Vec<Site> = network
            .candidates
            .iter()
            .map(|c| Site {
                location: c.location.clone(),
                code: c.code.clone(),
                priority: c.priority,
                available: BTreeMap::new(),
                cost_per_shipment: c.cost_per_shipment,
                cost_per_kg: c.cost_per_kg,
                promise: promise::promise(now, &c.tz, c.cutoff_minutes, c.handling_days, c.transit_days),
            })
            .collect();
        if !sites.is_empty() && !stocked.is_empty() {
            let mut sql = Sql::new(
                "SELECT b.product_id, b.location_id, b.on_hand, b.reserved FROM stock_balance b \
                 JOIN location l ON l.id = b.location_id \
                 WHERE l.archived_at IS NULL AND l.disabled_at IS NULL AND b.product_id IN (",
            );
            sql.list(stocked.iter().map(|p| Arg::Text(p.to_string()))).push(")");
            for row in sql.query().fetch_all(&mut *conn).await? {
                let location: LocationId = get_id(&row, "location_id")?;
                if let Some(site) = sites.iter_mut().find(|s| s.location == location) {
                    let available = row.try_get::<i64, _>("on_hand")? - row.try_get::<i64, _>("reserved")?;
                    site.available.insert(get_id(&row, "product_id")?, available);
                }
            }
        }
        let decision = routing::route(&route_lines, &sites, policy);
        Ok((decision, sites, route_lines))
    }

    /// Routes `lines` (product, quantity) for `route` on what `conn` sees now: the
    /// decision, with the sites and routing lines it refers to.
    pub(crate) async fn plan(
        &self,
        conn: &mut Link,
        route: &Route<'_>,
        lines: &[(ProductId, i64)],
        now: Timestamp,
    ) -> StoreResult<(Decision, Vec<Site>, Vec<Line>)> {
        let products: BTreeSet<ProductId> = lines.iter().map(|(p, _)| p.clone()).collect();
        let network = self.network(conn, route, &products).await?;
        self.route_on(conn, &network, route.policy, lines, now).await
    }
}
