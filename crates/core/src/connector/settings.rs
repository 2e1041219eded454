//! A channel's connection: where its API is, the credentials (write-only: kept, used,
//! never shown) and options its kind needs, how often it is polled and which pushes
//! are on. Replaced whole by `PUT /channels/{key}/connection`, except that credentials
//! left out keep the ones stored, so changing the poll interval does not mean typing
//! every secret again.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::offer::StockBuffer;
use crate::catalog::ChannelKind;
use crate::validation::{self, FieldError, Invalid, Validator};
use crate::webhook;

/// How often a connection is polled for orders changed since the last poll, by
/// default, at least and at most (webhooks bring orders at once; polling is the
/// backfill and the safety net for a webhook that never came).
pub const POLL_INTERVAL_DEFAULT_SECONDS: i64 = 300;
pub const POLL_INTERVAL_MIN_SECONDS: i64 = 30;
pub const POLL_INTERVAL_MAX_SECONDS: i64 = 86_400;

/// Longest credential or option value.
const VALUE_MAX: usize = 4_096;
/// Most credentials or options one connection may have.
const ENTRIES_MAX: usize = 20;

/// What a channel kind's connector needs: the credentials it must have and the
/// options it must have; other names are refused, so a typo is not silently ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirements {
    pub credentials: &'static [&'static str],
    pub optional_credentials: &'static [&'static str],
    pub options: &'static [&'static str],
    pub optional_options: &'static [&'static str],
}

/// What each kind of channel with a connector needs; `None` for kinds that have no
/// connector (orders come by the API or by import).
pub fn requirements(kind: ChannelKind) -> Option<Requirements> {
    match kind {
        ChannelKind::Shopify => Some(Requirements {
            credentials: &["access_token", "webhook_secret"],
            optional_credentials: &[],
            options: &["location_id"],
            optional_options: &["api_version"],
        }),
        ChannelKind::Woocommerce => Some(Requirements {
            credentials: &["consumer_key", "consumer_secret", "webhook_secret"],
            optional_credentials: &[],
            options: &[],
            optional_options: &[],
        }),
        ChannelKind::Amazon => Some(Requirements {
            credentials: &["client_id", "client_secret", "refresh_token"],
            // The shared secret the seller's relay (from Amazon's SQS or EventBridge)
            // sends with each ORDER_CHANGE notification; without it none is accepted.
            optional_credentials: &["notification_token"],
            options: &["marketplace_id", "seller_id"],
            // `prices_include_tax`: `true` or `false`, overriding what the marketplace
            // implies (VAT-inclusive everywhere but the US and Canada).
            optional_options: &["token_url", "prices_include_tax"],
        }),
        ChannelKind::Ebay => Some(Requirements {
            credentials: &["client_id", "client_secret", "refresh_token"],
            optional_credentials: &[],
            options: &["marketplace_id"],
            optional_options: &["token_url"],
        }),
        ChannelKind::Web | ChannelKind::Etsy | ChannelKind::Pos | ChannelKind::Wholesale | ChannelKind::Api => None,
    }
}

/// Credential values, by name. Its `Debug` shows the names only, so a connection can
/// be logged without its secrets.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Credentials(BTreeMap<String, String>);

impl Credentials {
    pub fn new(values: BTreeMap<String, String>) -> Credentials {
        Credentials(values)
    }

    /// The value of one credential, to use, never to show.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// The names of the credentials held, which the API shows instead of the values.
    pub fn names(&self) -> Vec<String> {
        self.0.keys().cloned().collect()
    }

    /// The values, for the store to keep.
    pub fn reveal(&self) -> &BTreeMap<String, String> {
        &self.0
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// Which changes are pushed to the channel; each default on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pushes {
    /// The quantity offered of each listed SKU.
    pub stock: bool,
    /// Shipments, with carrier and tracking number.
    pub fulfilments: bool,
    /// Cancellations made in Switchyard.
    pub cancellations: bool,
}

impl Default for Pushes {
    fn default() -> Self {
        Pushes {
            stock: true,
            fulfilments: true,
            cancellations: true,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PushesInput {
    pub stock: Option<bool>,
    pub fulfilments: Option<bool>,
    pub cancellations: Option<bool>,
}

/// A connection as `PUT /channels/{key}/connection` takes it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConnectionInput {
    /// The channel's API, e.g. `https://my-shop.myshopify.com` or
    /// `https://sellingpartnerapi-eu.amazon.com`.
    #[cfg_attr(feature = "openapi", schema(example = "https://my-shop.myshopify.com"))]
    pub base_url: Option<String>,
    /// Secrets by name (which names depends on the channel's kind). Write-only: never
    /// answered, never logged. Left out, the stored ones are kept.
    #[cfg_attr(feature = "openapi", schema(example = json!({"access_token": "shpat_…", "webhook_secret": "…"})))]
    pub credentials: Option<BTreeMap<String, String>>,
    /// Settings by name that are not secret (a Shopify location id, an Amazon
    /// marketplace id).
    #[cfg_attr(feature = "openapi", schema(example = json!({"location_id": "655441491"})))]
    pub options: Option<BTreeMap<String, String>>,
    /// Seconds between polls for changed orders; default 300, 30 to 86400.
    #[cfg_attr(feature = "openapi", schema(example = 300))]
    pub poll_interval_seconds: Option<i64>,
    pub pushes: Option<PushesInput>,
    /// Held back from what is available before it is offered; default none.
    pub stock_buffer: Option<StockBuffer>,
    /// The most ever offered of one SKU; default no limit.
    pub max_offered: Option<i64>,
}

/// A valid connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionDraft {
    pub base_url: String,
    pub credentials: Credentials,
    pub options: BTreeMap<String, String>,
    pub poll_interval_seconds: i64,
    pub pushes: Pushes,
    pub stock_buffer: StockBuffer,
    pub max_offered: Option<i64>,
}

impl ConnectionInput {
    /// Checks a connection for a channel of `kind`; `stored` are the credentials kept
    /// from before, used when none are given.
    pub fn parse(&self, kind: ChannelKind, stored: Option<&Credentials>) -> Result<ConnectionDraft, Vec<FieldError>> {
        let mut v = Validator::new();
        let Some(needs) = requirements(kind) else {
            return Err(vec![
                Invalid::new(
                    "no_connector",
                    format!(
                        "{} channels have no connector: their orders come through the API or an import",
                        kind.as_str()
                    ),
                )
                .at("/kind"),
            ]);
        };
        let base_url = v
            .require("/base_url", self.base_url.as_deref())
            .and_then(|u| v.check("/base_url", webhook::url(u)));
        let credentials = match (&self.credentials, stored) {
            (Some(given), _) => entries(
                &mut v,
                "/credentials",
                given,
                needs.credentials,
                needs.optional_credentials,
            ),
            (None, Some(stored)) => Some(stored.reveal().clone()),
            (None, None) => entries(
                &mut v,
                "/credentials",
                &BTreeMap::new(),
                needs.credentials,
                needs.optional_credentials,
            ),
        };
        let empty = BTreeMap::new();
        let options = entries(
            &mut v,
            "/options",
            self.options.as_ref().unwrap_or(&empty),
            needs.options,
            needs.optional_options,
        );
        let poll_interval_seconds = v.check(
            "/poll_interval_seconds",
            within(
                self.poll_interval_seconds.unwrap_or(POLL_INTERVAL_DEFAULT_SECONDS),
                POLL_INTERVAL_MIN_SECONDS,
                POLL_INTERVAL_MAX_SECONDS,
            ),
        );
        let stock_buffer = v.check("/stock_buffer", self.stock_buffer.unwrap_or_default().check());
        let max_offered = match self.max_offered {
            Some(m) => v.check("/max_offered", within(m, 0, i64::from(i32::MAX)).map(Some)),
            None => Some(None),
        };
        let given = self.pushes.clone().unwrap_or_default();
        let defaults = Pushes::default();
        let pushes = Pushes {
            stock: given.stock.unwrap_or(defaults.stock),
            fulfilments: given.fulfilments.unwrap_or(defaults.fulfilments),
            cancellations: given.cancellations.unwrap_or(defaults.cancellations),
        };
        v.finish(|| {
            Some(ConnectionDraft {
                base_url: base_url?.trim_end_matches('/').to_owned(),
                credentials: Credentials(credentials?),
                options: options?,
                poll_interval_seconds: poll_interval_seconds?,
                pushes,
                stock_buffer: stock_buffer?,
                max_offered: max_offered?,
            })
        })
    }
}

fn within(value: i64, min: i64, max: i64) -> Result<i64, Invalid> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(Invalid::new("out_of_range", format!("must be from {min} to {max}")))
    }
}

/// Named values: each required name present and not blank, no name outside
/// `required` and `optional`, each value at most `VALUE_MAX` characters.
fn entries(
    v: &mut Validator,
    at: &str,
    given: &BTreeMap<String, String>,
    required: &[&str],
    optional: &[&str],
) -> Option<BTreeMap<String, String>> {
    if given.len() > ENTRIES_MAX {
        v.push(Invalid::new("too_many", format!("at most {ENTRIES_MAX} entries")).at(at));
        return None;
    }
    let mut errors = Vec::new();
    for name in required.iter().filter(|name| !given.contains_key(**name)) {
        errors.push(Invalid::new("required", "is required for this kind of channel").at(format!("{at}/{name}")));
    }
    let mut out = BTreeMap::new();
    for (name, value) in given {
        let field = format!("{at}/{name}");
        if !required.contains(&name.as_str()) && !optional.contains(&name.as_str()) {
            let known: Vec<&str> = required.iter().chain(optional).copied().collect();
            errors.push(Invalid::new("unknown_field", format!("is not one of: {}", known.join(", "))).at(field));
            continue;
        }
        match validation::text(value, VALUE_MAX) {
            Ok(value) => {
                out.insert(name.clone(), value);
            }
            Err(e) => errors.push(e.at(field)),
        }
    }
    let valid = errors.is_empty();
    errors.into_iter().for_each(|e| v.push(e));
    valid.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shopify() -> ConnectionInput {
        ConnectionInput {
            base_url: Some("https://shop.example.com/".into()),
            credentials: Some(BTreeMap::from([
                ("access_token".into(), "shpat_1".into()),
                ("webhook_secret".into(), "hush".into()),
            ])),
            options: Some(BTreeMap::from([("location_id".into(), "655441491".into())])),
            ..ConnectionInput::default()
        }
    }

    #[test]
    fn a_connection_gets_its_defaults() {
        let draft = shopify().parse(ChannelKind::Shopify, None).unwrap();
        assert_eq!(draft.base_url, "https://shop.example.com", "no trailing slash");
        assert_eq!(draft.poll_interval_seconds, POLL_INTERVAL_DEFAULT_SECONDS);
        assert_eq!(draft.pushes, Pushes::default());
        assert_eq!(draft.stock_buffer, StockBuffer::Units(0));
        assert_eq!(draft.max_offered, None);
        assert_eq!(draft.credentials.get("webhook_secret"), Some("hush"));
    }

    #[test]
    fn credentials_never_show_in_debug_output() {
        let draft = shopify().parse(ChannelKind::Shopify, None).unwrap();
        let shown = format!("{draft:?}");
        assert!(!shown.contains("hush") && !shown.contains("shpat_1"), "{shown}");
        assert!(shown.contains("webhook_secret"));
    }

    #[test]
    fn credentials_left_out_keep_the_stored_ones() {
        let stored = shopify().parse(ChannelKind::Shopify, None).unwrap().credentials;
        let change = ConnectionInput {
            credentials: None,
            poll_interval_seconds: Some(60),
            ..shopify()
        };
        let draft = change.parse(ChannelKind::Shopify, Some(&stored)).unwrap();
        assert_eq!(draft.credentials, stored);
        assert_eq!(draft.poll_interval_seconds, 60);
    }

    #[test]
    fn every_problem_is_named_by_field() {
        let input = ConnectionInput {
            base_url: Some("ftp://x".into()),
            credentials: Some(BTreeMap::from([
                ("access_token".into(), " ".into()),
                ("password".into(), "x".into()),
            ])),
            options: None,
            poll_interval_seconds: Some(5),
            pushes: None,
            stock_buffer: Some(StockBuffer::Percent(150)),
            max_offered: Some(-1),
        };
        let errors = input.parse(ChannelKind::Shopify, None).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for field in [
            "/base_url",
            "/credentials/webhook_secret",
            "/credentials/access_token",
            "/credentials/password",
            "/options/location_id",
            "/poll_interval_seconds",
            "/stock_buffer",
            "/max_offered",
        ] {
            assert!(fields.contains(&field), "{field} missing from {fields:?}");
        }
    }

    #[test]
    fn kinds_without_a_connector_are_refused() {
        let errors = shopify().parse(ChannelKind::Web, None).unwrap_err();
        assert_eq!(errors[0].code, "no_connector");
        for kind in [
            ChannelKind::Shopify,
            ChannelKind::Woocommerce,
            ChannelKind::Amazon,
            ChannelKind::Ebay,
        ] {
            assert!(requirements(kind).is_some(), "{kind:?}");
        }
    }
}
