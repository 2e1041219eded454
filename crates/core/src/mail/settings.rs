//! A channel's email settings: which kinds it sends, under what sender name, and where
//! replies go. Marketplaces (Amazon, eBay, Etsy) mail their own customers about their
//! orders, and a second email from the seller confuses them (and their rules may forbid
//! it), so on those channels every kind starts turned off.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::EmailKind;
use crate::catalog::ChannelKind;
use crate::validation::{self, TextKind, Validator};

/// Longest sender name: what the customer sees before the address.
pub const SENDER_NAME_MAX: usize = 100;

/// What a channel's customer emails look like, and which it sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelEmail {
    /// Kinds this channel does not send, in their listed order.
    #[cfg_attr(feature = "openapi", schema(example = json!(["out_for_delivery"])))]
    pub kinds_off: BTreeSet<EmailKind>,
    /// The name the emails come from (the address is the server's `--mail-from`);
    /// none means the address alone.
    #[cfg_attr(feature = "openapi", schema(example = "Tee Shop"))]
    pub sender_name: Option<String>,
    /// Where the customer's replies go; none means to the sender address.
    #[cfg_attr(feature = "openapi", schema(example = "help@teeshop.example"))]
    pub reply_to: Option<String>,
}

impl ChannelEmail {
    /// The settings a new channel of `kind` starts with: every kind on, except on
    /// marketplaces that mail their customers themselves.
    pub fn default_for(kind: ChannelKind) -> ChannelEmail {
        let kinds_off = if mails_its_customers(kind) {
            EmailKind::ALL.iter().copied().collect()
        } else {
            BTreeSet::new()
        };
        ChannelEmail {
            kinds_off,
            sender_name: None,
            reply_to: None,
        }
    }

    pub fn sends(&self, kind: EmailKind) -> bool {
        !self.kinds_off.contains(&kind)
    }
}

/// Whether the channel itself tells its customers about their orders.
pub fn mails_its_customers(kind: ChannelKind) -> bool {
    matches!(kind, ChannelKind::Amazon | ChannelKind::Ebay | ChannelKind::Etsy)
}

/// A channel's email settings as they arrive: each field present replaces the current
/// one; a blank sender name or reply-to clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChannelEmailInput {
    /// Kinds this channel does not send. Default: none, or every kind on `amazon`,
    /// `ebay` and `etsy` channels.
    #[cfg_attr(feature = "openapi", schema(example = json!(["out_for_delivery"])))]
    pub kinds_off: Option<Vec<EmailKind>>,
    #[cfg_attr(feature = "openapi", schema(example = "Tee Shop"))]
    pub sender_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(example = "help@teeshop.example"))]
    pub reply_to: Option<String>,
}

impl ChannelEmailInput {
    /// This input with every absent field taken from `current`: what a patch asks for.
    pub fn over(self, current: &ChannelEmail) -> ChannelEmailInput {
        ChannelEmailInput {
            kinds_off: self
                .kinds_off
                .or_else(|| Some(current.kinds_off.iter().copied().collect())),
            sender_name: self.sender_name.or_else(|| current.sender_name.clone()),
            reply_to: self.reply_to.or_else(|| current.reply_to.clone()),
        }
    }

    /// The settings this input gives over `base`, problems named under `/email/...`.
    pub fn parse(&self, v: &mut Validator, base: &ChannelEmail) -> Option<ChannelEmail> {
        let kinds_off = match &self.kinds_off {
            Some(kinds) => kinds.iter().copied().collect(),
            None => base.kinds_off.clone(),
        };
        let sender_name = match self.sender_name.as_deref() {
            None => Some(base.sender_name.clone()),
            Some(raw) => v.check(
                "/email/sender_name",
                validation::visible(raw, TextKind::Line)
                    .and_then(|()| validation::optional_text(Some(raw), SENDER_NAME_MAX)),
            ),
        };
        let reply_to = match self.reply_to.as_deref().map(str::trim) {
            None => Some(base.reply_to.clone()),
            Some("") => Some(None),
            Some(raw) => v.check("/email/reply_to", validation::email(raw).map(Some)),
        };
        Some(ChannelEmail {
            kinds_off,
            sender_name: sender_name?,
            reply_to: reply_to?,
        })
    }
}
