//! What a valid webhook endpoint is (its URL, description and filters), which events
//! it wants, and when an endpoint that keeps failing is disabled.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::order::OrderEventKind;
use crate::purchase::PurchaseOrderEventKind;
use crate::shipment::ShipmentStatus;
use crate::validation::{self, FieldError, Invalid, TextKind, Validator};

string_enum!(
    /// Whether an endpoint receives the events it subscribed to.
    WebhookEndpointStatus {
        Enabled = "enabled",
        Disabled = "disabled",
    }
);

string_enum!(
    /// Why an endpoint is disabled.
    WebhookDisabledReason {
        /// Someone disabled it.
        Manual = "manual",
        /// Every try failed for `DISABLE_AFTER`.
        Failing = "failing",
    }
);

string_enum!(
    /// What happened to an endpoint, as its audit timeline records it.
    WebhookEndpointEventKind {
        Created = "created",
        Updated = "updated",
        Disabled = "disabled",
        Enabled = "enabled",
        SecretRotated = "secret_rotated",
        Deleted = "deleted",
    }
);

/// The longest URL an endpoint may have.
pub const URL_MAX: usize = 2048;
/// The longest description.
pub const DESCRIPTION_MAX: usize = 500;
/// The most event types or channels one filter may list.
pub const FILTER_MAX: usize = 100;
/// An endpoint whose every try has failed for this long is disabled.
pub const DISABLE_AFTER: SignedDuration = SignedDuration::from_hours(5 * 24);
/// The event "send a test event" sends; every endpoint may receive it.
pub const TEST_EVENT: &str = "webhook.test";
/// What a filter entry ends with to name every event of a family (`order.*`).
pub const WILDCARD: &str = ".*";

/// Every event type an endpoint may subscribe to: the topics the outbox is written with
/// (every order event, a shipment's every status and its short pick, every purchase
/// order event) and the test event. Kept here, in one list, so a filter names only
/// events that exist.
pub fn event_types() -> Vec<String> {
    let orders = OrderEventKind::ALL.iter().map(|k| k.as_str().to_owned());
    let shipments = ShipmentStatus::ALL
        .iter()
        .map(|s| format!("shipment.{s}"))
        .chain(["shipment.short_picked".to_owned()]);
    let purchases = PurchaseOrderEventKind::ALL.iter().map(|k| k.as_str().to_owned());
    orders
        .chain(shipments)
        .chain(purchases)
        .chain([TEST_EVENT.to_owned()])
        .collect()
}

/// The families events belong to (`order`, `shipment`, ...): what a wildcard may name.
fn families(types: &[String]) -> Vec<&str> {
    let mut families: Vec<&str> = types.iter().filter_map(|t| t.split_once('.')).map(|(f, _)| f).collect();
    families.dedup();
    families
}

/// One entry of an event-type filter: a known event type, or a known family followed
/// by `.*`.
pub fn event_type(raw: &str) -> Result<String, Invalid> {
    let value = raw.trim();
    let types = event_types();
    let known = match value.strip_suffix(WILDCARD) {
        Some(family) => families(&types).contains(&family),
        None => types.iter().any(|t| t == value),
    };
    if known {
        Ok(value.to_owned())
    } else {
        Err(Invalid::new(
            "unknown_event_type",
            format!(
                "{value:?} is not an event type: name one such as order.placed, or a family such as {}",
                families(&types)
                    .iter()
                    .map(|f| format!("{f}{WILDCARD}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ))
    }
}

/// An endpoint's URL: absolute `http` or `https` with a host, no user name or password
/// (a secret in a URL ends up in logs; the signature authenticates instead) and no
/// fragment (it is never sent), at most `URL_MAX` characters. Answered as the URL
/// parser writes it. Whether `http://` and private addresses are allowed is the
/// server's to judge with its address check and flag; this is only the syntax.
pub fn url(raw: &str) -> Result<String, Invalid> {
    let value = validation::text(raw, URL_MAX)?;
    let parsed = url::Url::parse(&value).map_err(|e| {
        Invalid::new(
            "invalid_url",
            format!("must be an absolute URL like https://example.com/hooks ({e})"),
        )
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Invalid::new("invalid_url", "must be an http or https URL"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(Invalid::new("invalid_url", "must name a host"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Invalid::new(
            "credentials_in_url",
            "must not carry a user name or password: requests are signed instead",
        ));
    }
    if parsed.fragment().is_some() {
        return Err(Invalid::new("invalid_url", "must not have a fragment (#...)"));
    }
    let written = String::from(parsed);
    if written.chars().count() > URL_MAX {
        return Err(Invalid::new(
            "too_long",
            format!("must be at most {URL_MAX} characters"),
        ));
    }
    Ok(written)
}

/// An endpoint as it arrives for creation, or as a patch (absent fields stay).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EndpointInput {
    /// Where events are sent: an https URL (http and private addresses only when the
    /// server allows them).
    #[cfg_attr(feature = "openapi", schema(example = "https://erp.example.com/hooks/switchyard"))]
    pub url: Option<String>,
    /// Free text for people; blank clears it.
    #[cfg_attr(feature = "openapi", schema(example = "ERP order sync"))]
    pub description: Option<String>,
    /// Event types to receive (`order.shipped`) or families (`order.*`); empty for all.
    #[cfg_attr(feature = "openapi", schema(example = json!(["order.*", "shipment.delivered"])))]
    pub event_types: Option<Vec<String>>,
    /// Codes of the channels whose events to receive; empty for all.
    #[cfg_attr(feature = "openapi", schema(example = json!(["web"])))]
    pub channels: Option<Vec<String>>,
}

/// Which events an endpoint wants: empty lists want everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointFilter {
    pub event_types: Vec<String>,
    /// Channel codes.
    pub channels: Vec<String>,
}

/// A valid endpoint, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointDraft {
    pub url: String,
    pub description: Option<String>,
    pub filter: EndpointFilter,
}

/// Checks each entry of a filter list with `parse`, refusing one listed twice; problems
/// are named under `/{field}/{i}`.
fn list(
    v: &mut Validator,
    field: &str,
    raw: &[String],
    parse: impl Fn(&str) -> Result<String, Invalid>,
) -> Vec<String> {
    if raw.len() > FILTER_MAX {
        v.push(Invalid::new("too_many", format!("may list at most {FILTER_MAX} entries")).at(format!("/{field}")));
        return Vec::new();
    }
    let mut values: Vec<String> = Vec::with_capacity(raw.len());
    for (i, entry) in raw.iter().enumerate() {
        if let Some(value) = v.check(format!("/{field}/{i}"), parse(entry)) {
            if values.contains(&value) {
                v.push(Invalid::new("duplicate", "is listed twice").at(format!("/{field}/{i}")));
            }
            values.push(value);
        }
    }
    values
}

fn description(raw: &str) -> Result<Option<String>, Invalid> {
    validation::visible(raw, TextKind::Free)?;
    validation::optional_text(Some(raw), DESCRIPTION_MAX)
}

fn channel(raw: &str) -> Result<String, Invalid> {
    validation::code(raw, "channel")
}

impl EndpointInput {
    /// A new endpoint: `url` is required; every problem is named at once.
    pub fn parse(&self) -> Result<EndpointDraft, Vec<FieldError>> {
        let mut v = Validator::new();
        let url = v
            .require("/url", self.url.as_deref())
            .and_then(|u| v.check("/url", url(u)));
        let description = v.check_opt("/description", self.description.as_deref(), description);
        let event_types = list(
            &mut v,
            "event_types",
            self.event_types.as_deref().unwrap_or_default(),
            event_type,
        );
        let channels = list(
            &mut v,
            "channels",
            self.channels.as_deref().unwrap_or_default(),
            channel,
        );
        v.finish(|| {
            Some(EndpointDraft {
                url: url?,
                description: description?.flatten(),
                filter: EndpointFilter { event_types, channels },
            })
        })
    }

    /// `current` with the fields present in this patch changed; a list given replaces
    /// the current one (an empty list: every event or channel). Validated whole.
    pub fn apply(&self, current: &EndpointDraft) -> Result<EndpointDraft, Vec<FieldError>> {
        let merged = EndpointInput {
            url: self.url.clone().or_else(|| Some(current.url.clone())),
            description: self.description.clone().or_else(|| current.description.clone()),
            event_types: self
                .event_types
                .clone()
                .or_else(|| Some(current.filter.event_types.clone())),
            channels: self.channels.clone().or_else(|| Some(current.filter.channels.clone())),
        };
        merged.parse()
    }
}

/// Whether an endpoint with `filter` wants a message of `topic` about something of
/// `channel` (a channel code; `None` when the message belongs to no channel, as a
/// purchase order's do). An endpoint that names channels wants only their messages;
/// one that names event types only those, or those of a family it names (`order.*`).
pub fn wants(filter: &EndpointFilter, topic: &str, channel: Option<&str>) -> bool {
    let type_wanted = filter.event_types.is_empty()
        || filter
            .event_types
            .iter()
            .any(|wanted| match wanted.strip_suffix(WILDCARD) {
                Some(family) => topic.strip_prefix(family).is_some_and(|rest| rest.starts_with('.')),
                None => wanted == topic,
            });
    let channel_wanted =
        filter.channels.is_empty() || channel.is_some_and(|c| filter.channels.iter().any(|wanted| wanted == c));
    type_wanted && channel_wanted
}

/// A replay: every event since a time sent to an endpoint again.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReplayInput {
    /// Events created at or after this time (RFC 3339) are sent again.
    #[cfg_attr(feature = "openapi", schema(example = "2026-12-05T00:00:00Z"))]
    pub since: Option<String>,
}

impl ReplayInput {
    /// The time to replay from: required, and not after `now` (nothing has happened
    /// since a time to come; such a time is a mistake, not an empty replay).
    pub fn parse(&self, now: Timestamp) -> Result<Timestamp, Vec<FieldError>> {
        let mut v = Validator::new();
        let since = v.require("/since", self.since.as_deref()).and_then(|raw| {
            let parsed = raw
                .trim()
                .parse::<Timestamp>()
                .map_err(|_| Invalid::new("invalid_time", "must be an RFC 3339 time such as 2026-11-20T14:03:00Z"));
            let not_later = parsed.and_then(|t| {
                if t <= now {
                    Ok(t)
                } else {
                    Err(Invalid::new("in_the_future", "must not be later than now"))
                }
            });
            v.check("/since", not_later)
        });
        v.finish(|| since)
    }
}

/// Whether an endpoint failing since `failing_since` (every try since then failed;
/// `None` while it succeeds) has failed long enough at `now` to be disabled.
pub fn should_disable(failing_since: Option<Timestamp>, now: Timestamp) -> bool {
    failing_since.is_some_and(|since| now.duration_since(since) >= DISABLE_AFTER)
}
