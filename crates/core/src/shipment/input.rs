//! What the floor and the carriers send, and what makes it valid: releases, bins,
//! pick lists and picks, packing, labels and tracking events. Each `parse` reports
//! every bad field at once, as JSON pointers.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{TrackingEvent, TrackingStatus};
use crate::carrier::{Carrier, Provider};
use crate::money::Money;
use crate::validation::{self, FieldError, Invalid, Validator};

/// At most this many shipments go on one pick list, and this many tracking events in one request.
pub const MAX_BATCH: usize = 500;

fn time(raw: &str) -> Result<Timestamp, Invalid> {
    raw.trim()
        .parse::<Timestamp>()
        .map_err(|_| Invalid::new("invalid_time", "must be an RFC 3339 time such as 2026-11-20T14:03:00Z"))
}

fn code(v: &mut Validator, field: &str, raw: Option<&str>, what: &str) -> Option<String> {
    v.require(field, raw)
        .and_then(|c| v.check(field, validation::code(c, what)))
}

/// A list of references (order numbers, channel codes, shipment numbers), each a code.
fn codes(v: &mut Validator, field: &str, raw: Option<&Vec<String>>, what: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, c) in raw.into_iter().flatten().enumerate() {
        if let Some(c) = v.check(format!("{field}/{i}"), validation::code(c, what))
            && !out.contains(&c)
        {
            out.push(c);
        }
    }
    if out.len() > MAX_BATCH {
        v.push(Invalid::new("too_long", format!("may name at most {MAX_BATCH}")).at(field));
    }
    out
}

/// Releases a location's reserved work to its floor, as one shipment per order.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReleaseInput {
    /// Location code (or id).
    #[cfg_attr(feature = "openapi", schema(example = "LON"))]
    pub location: Option<String>,
    /// Only these orders (numbers or ids); default all.
    pub orders: Option<Vec<String>>,
    /// Only orders of these channels (codes or ids); default all.
    pub channels: Option<Vec<String>>,
    /// Carrier the new shipments are meant for, so pick lists can batch by its cut-off.
    pub carrier: Option<Carrier>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseRequest {
    pub location: String,
    pub orders: Vec<String>,
    pub channels: Vec<String>,
    pub carrier: Option<Carrier>,
}

impl ReleaseInput {
    pub fn parse(&self) -> Result<ReleaseRequest, Vec<FieldError>> {
        let mut v = Validator::new();
        let location = code(&mut v, "/location", self.location.as_deref(), "location");
        let orders = codes(&mut v, "/orders", self.orders.as_ref(), "order");
        let channels = codes(&mut v, "/channels", self.channels.as_ref(), "channel");
        v.finish(|| {
            Some(ReleaseRequest {
                location: location?,
                orders,
                channels,
                carrier: self.carrier,
            })
        })
    }
}

/// Where a product lives at a location: its bin, or none to forget it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BinInput {
    #[cfg_attr(feature = "openapi", schema(example = "TEE-BLA-M"))]
    pub sku: Option<String>,
    /// Aisle, bay, shelf: pick lists walk bins in this text's order. Blank or null removes it.
    #[cfg_attr(feature = "openapi", schema(example = "A-03-2"))]
    pub bin: Option<String>,
}

/// Parses bin assignments: each SKU once; bins are codes, upper-cased.
pub fn parse_bins(inputs: &[BinInput]) -> Result<Vec<(String, Option<String>)>, Vec<FieldError>> {
    let mut v = Validator::new();
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    if inputs.len() > MAX_BATCH {
        v.push(Invalid::new("too_long", format!("at most {MAX_BATCH} bins at a time")).at(""));
    }
    for (i, input) in inputs.iter().enumerate() {
        let sku = code(&mut v, &format!("/{i}/sku"), input.sku.as_deref(), "sku");
        let bin = match input.bin.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(b) => v
                .check(format!("/{i}/bin"), validation::code(b, "bin"))
                .map(|b| Some(b.to_ascii_uppercase())),
        };
        if let (Some(sku), Some(bin)) = (sku, bin) {
            if out.iter().any(|(s, _)| *s == sku) {
                v.push(Invalid::new("duplicate", "is listed twice").at(format!("/{i}/sku")));
            }
            out.push((sku, bin));
        }
    }
    v.finish(|| Some(out))
}

string_enum!(
    /// Which shipments a pick list takes by their size.
    ItemMix {
        Any = "any",
        /// Shipments of exactly one unit: picked in bulk, packed at speed.
        Single = "single",
        /// Shipments of more than one unit: picked into a tote per shipment.
        Multi = "multi",
    }
);

/// Batches released shipments of one location into a pick list.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PickListInput {
    #[cfg_attr(feature = "openapi", schema(example = "LON"))]
    pub location: Option<String>,
    /// Exactly these released shipments (numbers or ids); the filters below then do not apply.
    pub shipments: Option<Vec<String>>,
    /// How many shipments at most (1 to 500, default 50); the earliest promised go first.
    #[cfg_attr(feature = "openapi", schema(example = 20))]
    pub max_shipments: Option<i64>,
    /// Carrier cut-off: only shipments promised to leave by this time (RFC 3339).
    pub ship_by: Option<String>,
    /// Only shipments released for this carrier.
    pub carrier: Option<Carrier>,
    /// `single`-unit shipments, `multi`-unit ones, or `any` (default).
    pub items: Option<ItemMix>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickListRequest {
    pub location: String,
    pub shipments: Vec<String>,
    pub max_shipments: i64,
    pub ship_by: Option<Timestamp>,
    pub carrier: Option<Carrier>,
    pub items: ItemMix,
}

impl PickListInput {
    pub fn parse(&self) -> Result<PickListRequest, Vec<FieldError>> {
        let mut v = Validator::new();
        let location = code(&mut v, "/location", self.location.as_deref(), "location");
        let shipments = codes(&mut v, "/shipments", self.shipments.as_ref(), "shipment");
        let max = v.check(
            "/max_shipments",
            match self.max_shipments {
                None => Ok(50),
                Some(n) if (1..=MAX_BATCH as i64).contains(&n) => Ok(n),
                Some(_) => Err(Invalid::new(
                    "out_of_range",
                    format!("must be between 1 and {MAX_BATCH}"),
                )),
            },
        );
        let ship_by = v.check_opt("/ship_by", self.ship_by.as_deref(), time);
        v.finish(|| {
            Some(PickListRequest {
                location: location?,
                shipments,
                max_shipments: max?,
                ship_by: ship_by?,
                carrier: self.carrier,
                items: self.items.unwrap_or(ItemMix::Any),
            })
        })
    }
}

/// What the picker found of one SKU.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PickInput {
    #[cfg_attr(feature = "openapi", schema(example = "MUG-FERN"))]
    pub sku: Option<String>,
    /// Units found, 0 or more.
    #[cfg_attr(feature = "openapi", schema(example = 3))]
    pub quantity: Option<i64>,
}

/// Confirms a pick list: the quantities found of the SKUs that were short. A SKU not
/// named was found in full.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PickConfirmInput {
    pub picks: Option<Vec<PickInput>>,
}

impl PickConfirmInput {
    /// The (SKU, found) pairs, each SKU once.
    pub fn parse(&self) -> Result<Vec<(String, i64)>, Vec<FieldError>> {
        let mut v = Validator::new();
        let mut out: Vec<(String, i64)> = Vec::new();
        for (i, pick) in self.picks.iter().flatten().enumerate() {
            let sku = code(&mut v, &format!("/picks/{i}/sku"), pick.sku.as_deref(), "sku");
            let field = format!("/picks/{i}/quantity");
            let found = v.require(&field, pick.quantity).and_then(|q| {
                v.check(
                    &field,
                    if (0..=crate::inventory::MAX_QUANTITY).contains(&q) {
                        Ok(q)
                    } else {
                        Err(Invalid::new("out_of_range", "must be 0 or more"))
                    },
                )
            });
            if let (Some(sku), Some(found)) = (sku, found) {
                if out.iter().any(|(s, _)| *s == sku) {
                    v.push(Invalid::new("duplicate", "is listed twice").at(format!("/picks/{i}/sku")));
                }
                out.push((sku, found));
            }
        }
        v.finish(|| Some(out))
    }
}

/// The package a shipment leaves in.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PackageInput {
    /// Box or mailer code, e.g. `box-s`, `mailer-a4`. Default `parcel`.
    #[cfg_attr(feature = "openapi", schema(example = "box-s"))]
    pub package_type: Option<String>,
    /// Weight of the packed parcel from the bench scale.
    #[cfg_attr(feature = "openapi", schema(example = 640))]
    pub weight_grams: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(example = 300))]
    pub length_mm: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(example = 200))]
    pub width_mm: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(example = 100))]
    pub height_mm: Option<i64>,
}

/// A packed parcel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Package {
    pub package_type: String,
    pub weight_grams: i64,
    pub length_mm: Option<i64>,
    pub width_mm: Option<i64>,
    pub height_mm: Option<i64>,
}

/// Packs a shipment: the codes scanned at the bench (one per unit, SKU or barcode)
/// and the package they went into.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PackInput {
    /// One entry per unit scanned: a SKU or a barcode (GTIN).
    #[cfg_attr(feature = "openapi", schema(example = json!(["5012345678900", "5012345678900", "MUG-FERN"])))]
    pub scans: Option<Vec<String>>,
    pub package: Option<PackageInput>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackRequest {
    pub scans: Vec<String>,
    pub package: Package,
}

/// At most this many scans in one pack request.
pub const MAX_SCANS: usize = 10_000;

fn measure(v: &mut Validator, field: &str, raw: Option<i64>, max: i64, unit: &str) -> Option<Option<i64>> {
    v.check_opt(field, raw, |n| {
        if (1..=max).contains(&n) {
            Ok(n)
        } else {
            Err(Invalid::new(
                "out_of_range",
                format!("must be between 1 and {max} {unit}"),
            ))
        }
    })
}

impl PackInput {
    pub fn parse(&self) -> Result<PackRequest, Vec<FieldError>> {
        let mut v = Validator::new();
        let mut scans = Vec::new();
        match &self.scans {
            None => v.push(Invalid::new("required", "is required: scan every unit").at("/scans")),
            Some(list) if list.is_empty() => {
                v.push(Invalid::new("required", "scan every unit of the shipment").at("/scans"))
            }
            Some(list) if list.len() > MAX_SCANS => {
                v.push(Invalid::new("too_long", format!("at most {MAX_SCANS} scans")).at("/scans"))
            }
            Some(list) => {
                for (i, raw) in list.iter().enumerate() {
                    if let Some(code) = v.check(format!("/scans/{i}"), validation::text(raw, 64)) {
                        scans.push(code);
                    }
                }
            }
        }
        let input = self.package.clone().unwrap_or_default();
        let package_type = v.check(
            "/package/package_type",
            match input.package_type.as_deref().map(str::trim) {
                None | Some("") => Ok("parcel".to_owned()),
                Some(t) => validation::code(t, "package type"),
            },
        );
        let weight = v
            .require("/package/weight_grams", input.weight_grams)
            .and_then(|w| measure(&mut v, "/package/weight_grams", Some(w), 1_000_000, "grams"))
            .flatten();
        let length = measure(&mut v, "/package/length_mm", input.length_mm, 10_000, "mm");
        let width = measure(&mut v, "/package/width_mm", input.width_mm, 10_000, "mm");
        let height = measure(&mut v, "/package/height_mm", input.height_mm, 10_000, "mm");
        v.finish(|| {
            Some(PackRequest {
                scans,
                package: Package {
                    package_type: package_type?,
                    weight_grams: weight?,
                    length_mm: length?,
                    width_mm: width?,
                    height_mm: height?,
                },
            })
        })
    }
}

/// Buys (or records) a shipping label.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LabelInput {
    /// `manual` (default): you give the tracking number from the carrier's own tool.
    /// `simulated`: Switchyard issues one in the carrier's format and simulates its journey.
    pub provider: Option<Provider>,
    /// Default: the carrier the shipment was released for.
    pub carrier: Option<Carrier>,
    /// The carrier's service; default the carrier's service for the order's service level.
    #[cfg_attr(feature = "openapi", schema(example = "Tracked 48"))]
    pub service: Option<String>,
    /// Required with `manual`, refused with `simulated`. Checked against the carrier's format and check digit.
    #[cfg_attr(feature = "openapi", schema(example = "1Z5R89390357567127"))]
    pub tracking_number: Option<String>,
    /// What the label cost.
    pub cost: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelRequest {
    pub provider: Provider,
    pub carrier: Option<Carrier>,
    pub service: Option<String>,
    pub tracking_number: Option<String>,
    pub cost: Option<Money>,
}

impl LabelInput {
    /// Validates the fields; the tracking number against `carrier` (or, when the body
    /// names none, against `default_carrier`).
    pub fn parse(&self, default_carrier: Option<Carrier>) -> Result<LabelRequest, Vec<FieldError>> {
        let mut v = Validator::new();
        let provider = self.provider.unwrap_or(Provider::Manual);
        let carrier = self.carrier.or(default_carrier);
        if carrier.is_none() {
            v.push(Invalid::new("required", "is required: the shipment was released for no carrier").at("/carrier"));
        }
        let service = v.check("/service", validation::optional_text(self.service.as_deref(), 64));
        let tracking_number = match (provider, self.tracking_number.as_deref(), carrier) {
            (Provider::Manual, None, _) => {
                v.push(Invalid::new("required", "is required with the manual provider").at("/tracking_number"));
                None
            }
            (Provider::Manual, Some(raw), Some(c)) => v.check("/tracking_number", c.validate(raw)).map(Some),
            (Provider::Manual, Some(_), None) => None,
            (Provider::Simulated, Some(_), _) => {
                v.push(
                    Invalid::new("not_allowed", "the simulated carrier issues its own tracking numbers")
                        .at("/tracking_number"),
                );
                None
            }
            (Provider::Simulated, None, _) => Some(None),
        };
        let cost = v.check_opt("/cost", self.cost, Money::bounded);
        v.finish(|| {
            Some(LabelRequest {
                provider,
                carrier,
                service: service?,
                tracking_number: tracking_number?,
                cost: cost?,
            })
        })
    }
}

/// A carrier's tracking event.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TrackingEventInput {
    pub status: Option<TrackingStatus>,
    /// When it happened (RFC 3339).
    #[cfg_attr(feature = "openapi", schema(example = "2026-11-21T09:12:00Z"))]
    pub occurred_at: Option<String>,
    #[cfg_attr(feature = "openapi", schema(example = "Leeds delivery office"))]
    pub location: Option<String>,
    #[cfg_attr(feature = "openapi", schema(example = "Out for delivery"))]
    pub description: Option<String>,
}

fn event(
    v: &mut Validator,
    at: &str,
    status: Option<TrackingStatus>,
    occurred_at: Option<&str>,
    location: Option<&str>,
    description: Option<&str>,
) -> Option<TrackingEvent> {
    let status = v.require(format!("{at}/status"), status);
    let field = format!("{at}/occurred_at");
    // Whether the time is plausible depends on the shipment: `shipment::event_time`.
    let occurred_at = v.require(&field, occurred_at).and_then(|t| v.check(&field, time(t)));
    let location = v.check(format!("{at}/location"), validation::optional_text(location, 200));
    let description = v.check(format!("{at}/description"), validation::optional_text(description, 500));
    Some(TrackingEvent {
        status: status?,
        occurred_at: occurred_at?,
        location: location?.unwrap_or_default(),
        description: description?.unwrap_or_else(|| status.map(|s| s.as_str().replace('_', " ")).unwrap_or_default()),
    })
}

impl TrackingEventInput {
    pub fn parse(&self) -> Result<TrackingEvent, Vec<FieldError>> {
        let mut v = Validator::new();
        let e = event(
            &mut v,
            "",
            self.status,
            self.occurred_at.as_deref(),
            self.location.as_deref(),
            self.description.as_deref(),
        );
        v.finish(|| e)
    }
}

/// One event of a bulk upload, naming its shipment by number or id, or by tracking number.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BulkTrackingEventInput {
    /// Shipment number or id.
    #[cfg_attr(feature = "openapi", schema(example = "SO-100513-1"))]
    pub shipment: Option<String>,
    /// Or the tracking number (with `carrier` when two carriers could share it).
    pub tracking_number: Option<String>,
    pub carrier: Option<Carrier>,
    pub status: Option<TrackingStatus>,
    pub occurred_at: Option<String>,
    pub location: Option<String>,
    pub description: Option<String>,
}

/// Tracking events for many shipments, applied in the order given, in one transaction.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BulkTrackingInput {
    pub events: Option<Vec<BulkTrackingEventInput>>,
}

/// How a tracking event names its shipment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShipmentRef {
    /// A shipment number or id.
    Key(String),
    Tracking {
        number: String,
        carrier: Option<Carrier>,
    },
}

impl BulkTrackingInput {
    pub fn parse(&self) -> Result<Vec<(ShipmentRef, TrackingEvent)>, Vec<FieldError>> {
        let mut v = Validator::new();
        let mut out = Vec::new();
        match &self.events {
            None => v.push(Invalid::new("required", "is required").at("/events")),
            Some(list) if list.is_empty() || list.len() > MAX_BATCH => {
                v.push(Invalid::new("out_of_range", format!("send between 1 and {MAX_BATCH} events")).at("/events"))
            }
            Some(_) => {}
        }
        for (i, e) in self.events.iter().flatten().enumerate().take(MAX_BATCH) {
            let at = format!("/events/{i}");
            let target = match (e.shipment.as_deref(), e.tracking_number.as_deref()) {
                (Some(key), None) => v
                    .check(format!("{at}/shipment"), validation::code(key, "shipment"))
                    .map(ShipmentRef::Key),
                (None, Some(number)) => v
                    .check(format!("{at}/tracking_number"), validation::text(number, 64))
                    .map(|n| ShipmentRef::Tracking {
                        number: crate::carrier::normalise(&n),
                        carrier: e.carrier,
                    }),
                (Some(_), Some(_)) => {
                    v.push(
                        Invalid::new("ambiguous", "name the shipment or the tracking number, not both")
                            .at(format!("{at}/shipment")),
                    );
                    None
                }
                (None, None) => {
                    v.push(
                        Invalid::new("required", "name the shipment or its tracking number")
                            .at(format!("{at}/shipment")),
                    );
                    None
                }
            };
            let event = event(
                &mut v,
                &at,
                e.status,
                e.occurred_at.as_deref(),
                e.location.as_deref(),
                e.description.as_deref(),
            );
            if let (Some(target), Some(event)) = (target, event) {
                out.push((target, event));
            }
        }
        v.finish(|| Some(out))
    }
}
