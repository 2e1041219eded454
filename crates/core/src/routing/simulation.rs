//! A hypothetical order to route (`POST /routing/simulate`): what it is as it arrives,
//! and what a valid one is.

use serde::{Deserialize, Serialize};

/// A hypothetical order to route, as it arrives.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SimulationInput {
    #[cfg_attr(feature = "openapi", schema(example = "web"))]
    pub channel: Option<String>,
    pub destination: Option<DestinationInput>,
    /// Default standard.
    pub service_level: Option<crate::order::ServiceLevel>,
    /// The currency costs are shown in when a location has no zones. Default: the zones'.
    pub currency: Option<String>,
    pub lines: Option<Vec<SimulationLineInput>>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DestinationInput {
    #[cfg_attr(feature = "openapi", schema(example = "GB"))]
    pub country: Option<String>,
    pub region: Option<String>,
    #[cfg_attr(feature = "openapi", schema(example = "LS1 4AP"))]
    pub postal_code: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SimulationLineInput {
    #[cfg_attr(feature = "openapi", schema(example = "TEE-BLA-M"))]
    pub sku: Option<String>,
    #[cfg_attr(feature = "openapi", schema(example = 1))]
    pub quantity: Option<i64>,
}

/// A valid hypothetical order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulationDraft {
    pub channel: String,
    pub country: String,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub service_level: crate::order::ServiceLevel,
    pub currency: Option<crate::money::Currency>,
    pub lines: Vec<(String, i64)>,
}

impl SimulationInput {
    pub fn parse(&self) -> Result<SimulationDraft, Vec<crate::FieldError>> {
        use crate::validation::{self, Validator};
        let mut v = Validator::new();
        let channel = v
            .require("/channel", self.channel.as_deref())
            .and_then(|c| v.check("/channel", validation::code(c, "channel")));
        let destination = v.require("/destination", self.destination.as_ref());
        let country = destination
            .and_then(|d| v.require("/destination/country", d.country.as_deref()))
            .and_then(|c| v.check("/destination/country", validation::country(c)));
        let region = v.check(
            "/destination/region",
            validation::optional_text(destination.and_then(|d| d.region.as_deref()), 100),
        );
        let postal_code = v.check(
            "/destination/postal_code",
            validation::optional_text(destination.and_then(|d| d.postal_code.as_deref()), 20),
        );
        let currency = v.check_opt("/currency", self.currency.as_deref(), crate::money::Currency::parse);
        let mut lines = Vec::new();
        match v.require("/lines", self.lines.as_ref()) {
            Some(raw) if raw.is_empty() => {
                v.push(crate::validation::Invalid::new("required", "needs at least one line").at("/lines"))
            }
            Some(raw) => {
                for (i, l) in raw.iter().enumerate() {
                    let sku = v
                        .require(format!("/lines/{i}/sku"), l.sku.as_deref())
                        .and_then(|s| v.check(format!("/lines/{i}/sku"), validation::code(s, "sku")));
                    let quantity = v
                        .require(format!("/lines/{i}/quantity"), l.quantity)
                        .and_then(|q| v.check(format!("/lines/{i}/quantity"), crate::inventory::Quantity::new(q)));
                    if let (Some(sku), Some(q)) = (sku, quantity) {
                        lines.push((sku, q.get()));
                    }
                }
            }
            None => {}
        }
        v.finish(|| {
            Some(SimulationDraft {
                channel: channel?,
                country: country?,
                region: region?,
                postal_code: postal_code?,
                service_level: self.service_level.unwrap_or(crate::order::ServiceLevel::Standard),
                currency: currency?,
                lines,
            })
        })
    }
}
