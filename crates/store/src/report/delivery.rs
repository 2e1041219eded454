//! The delivery report's reads: the delivery and ship-time histograms of a scope,
//! summed per group (carrier, service, location or destination country).

use std::collections::HashMap;

use switchyard_core::report::{DeliveryCell, DeliveryGroupBy, LateCause, ShipTimeCell};

use super::Scope;
use super::day_arg;
use crate::Store;
use crate::db::{self, Arg, Sql, get_enum};
use crate::error::StoreResult;

/// Adds the scope's period, channel, location and carrier to a roll-up query (every
/// roll-up table has these columns).
pub(crate) fn scoped(sql: &mut Sql, scope: &Scope) {
    sql.filter("day >= ", day_arg(scope.filter.from), "");
    sql.filter("day <= ", day_arg(scope.filter.to), "");
    if let Some(id) = &scope.channel_id {
        sql.filter("channel_id = ", Arg::Text(id.clone()), "");
    }
    if let Some(id) = &scope.location_id {
        sql.filter("location_id = ", Arg::Text(id.clone()), "");
    }
    if let Some(carrier) = &scope.carrier {
        sql.filter("carrier = ", Arg::Text(carrier.clone()), "");
    }
}

fn column(by: DeliveryGroupBy) -> &'static str {
    match by {
        DeliveryGroupBy::Carrier => "carrier",
        DeliveryGroupBy::Service => "service",
        DeliveryGroupBy::Location => "location_id",
        DeliveryGroupBy::Country => "ship_country",
    }
}

impl Store {
    /// The delivery and ship-time counts of `scope`, summed per group of `by` (a
    /// location by its code).
    pub async fn delivery_cells(
        &self,
        scope: &Scope,
        by: DeliveryGroupBy,
    ) -> StoreResult<(Vec<DeliveryCell>, Vec<ShipTimeCell>)> {
        let col = column(by);
        let codes = match by {
            DeliveryGroupBy::Location => self.location_codes().await?,
            _ => HashMap::new(),
        };
        let name = |raw: String| codes.get(&raw).cloned().unwrap_or(raw);

        let mut sql = Sql::new(&format!(
            "SELECT {col} AS grp, days_late, cause, CAST(SUM(shipments) AS BIGINT) AS n FROM report_delivery_daily"
        ));
        scoped(&mut sql, scope);
        sql.push(&format!(
            " GROUP BY {col}, days_late, cause ORDER BY {col}, days_late, cause"
        ));
        let mut cells = Vec::new();
        for r in sql.query().fetch_all(&self.pool).await? {
            cells.push(DeliveryCell {
                group: name(r.try_get("grp")?),
                days_late: r.try_get("days_late")?,
                cause: get_enum(&r, "cause", LateCause::parse)?,
                shipments: r.try_get("n")?,
            });
        }

        let mut sql = Sql::new(&format!(
            "SELECT {col} AS grp, hours, CAST(SUM(shipments) AS BIGINT) AS n FROM report_ship_time_daily"
        ));
        scoped(&mut sql, scope);
        sql.push(&format!(" GROUP BY {col}, hours ORDER BY {col}, hours"));
        let mut ship = Vec::new();
        for r in sql.query().fetch_all(&self.pool).await? {
            ship.push(ShipTimeCell {
                group: name(r.try_get("grp")?),
                hours: r.try_get("hours")?,
                shipments: r.try_get("n")?,
            });
        }
        Ok((cells, ship))
    }

    /// Every location's code by its id.
    async fn location_codes(&self) -> StoreResult<HashMap<String, String>> {
        let mut codes = HashMap::new();
        for r in db::query("SELECT id, code FROM location").fetch_all(&self.pool).await? {
            codes.insert(r.try_get("id")?, r.try_get("code")?);
        }
        Ok(codes)
    }
}
