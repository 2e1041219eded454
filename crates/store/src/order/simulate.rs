//! Routing a hypothetical order and saying what would happen, reserving nothing.

use super::*;

/// What routing would do with an order, without reserving anything.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Simulation {
    pub chosen: PlanSummary,
    pub runner_up: Option<PlanSummary>,
    /// Why the runner-up lost, in words.
    pub runner_up_lost_because: Option<String>,
    /// Whether the plan is proven optimal (small orders) or heuristic (large ones).
    pub exact: bool,
    /// The lines as routed, by index.
    pub lines: Vec<SimulatedLine>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SimulatedLine {
    pub sku: String,
    pub quantity: i64,
}

impl Store {
    /// Routes a hypothetical order and says what would happen, reserving nothing.
    pub async fn simulate_route(&self, request: &SimulationDraft) -> StoreResult<Simulation> {
        let channel = match self.channel(&request.channel).await {
            Err(StoreError::NotFound { .. }) => {
                return Err(StoreError::invalid(
                    "/channel",
                    "unknown_channel",
                    format!("there is no channel {}", request.channel),
                ));
            }
            other => other?,
        };
        let mut wanted = Vec::new();
        let mut errors = Vec::new();
        for (i, (sku, quantity)) in request.lines.iter().enumerate() {
            match self.product(sku).await {
                Ok(p) => wanted.push((p.id, *quantity)),
                Err(StoreError::NotFound { .. }) => errors.push(FieldError {
                    field: format!("/lines/{i}/sku"),
                    code: "unknown_sku",
                    message: format!("there is no product with SKU {sku}"),
                }),
                Err(e) => return Err(e),
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let currency = request.currency.unwrap_or(Currency::NONE);
        let route = Route {
            channel: &channel.id,
            destination: Destination {
                country: &request.country,
                region: request.region.as_deref(),
                postal_code: request.postal_code.as_deref(),
            },
            level: request.service_level,
            currency,
            policy: channel.split_policy,
        };
        let mut conn = self.pool.acquire().await?;
        let (decision, sites, lines) = self.plan(&mut conn, &route, &wanted, self.now()).await?;
        let runner = decision.runner_up.as_ref().map(|r| {
            (
                r.summarize(&lines, &sites),
                routing::why_lost(&decision.chosen.score, &r.score),
            )
        });
        Ok(Simulation {
            chosen: decision.chosen.summarize(&lines, &sites),
            runner_up_lost_because: runner.as_ref().map(|(_, why)| (*why).to_owned()),
            runner_up: runner.map(|(s, _)| s),
            exact: decision.exact,
            lines: request
                .lines
                .iter()
                .map(|(sku, quantity)| SimulatedLine {
                    sku: sku.clone(),
                    quantity: *quantity,
                })
                .collect(),
        })
    }
}
