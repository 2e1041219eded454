//! One row of a channel's listing map: which of the channel's listings sells one of our
//! SKUs, the part of it stock is set on, and a buffer of its own instead of the
//! connection's. Set by hand (`PUT /channels/{key}/listings/{sku}`) or imported from
//! the channel; both are checked here.

use serde::{Deserialize, Serialize};

use super::offer::StockBuffer;
use crate::validation::{self, FieldError, Invalid, TextKind, Validator};

/// Longest listing or item id a channel gives (Amazon seller SKUs are up to 40
/// characters, eBay offer ids and Shopify GIDs well under this).
pub const LISTING_ID_MAX: usize = 255;

/// A listing as the API takes it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ListingInput {
    /// Our SKU. In `PUT .../listings/{sku}` the path names it; given here as well, it
    /// must be the same.
    #[cfg_attr(feature = "openapi", schema(example = "TEE-BLK-M"))]
    pub sku: Option<String>,
    /// The channel's product, listing, seller SKU or offer.
    #[cfg_attr(feature = "openapi", schema(example = "632910392"))]
    pub listing_id: Option<String>,
    /// The part of the listing stock is set on (a Shopify inventory item, a
    /// WooCommerce variation), when the channel has one.
    #[cfg_attr(feature = "openapi", schema(example = "808950810"))]
    pub item_id: Option<String>,
    /// Held back of this SKU instead of the connection's buffer; absent for the
    /// connection's.
    pub buffer: Option<StockBuffer>,
}

/// A valid listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingDraft {
    pub sku: String,
    pub listing_id: String,
    pub item_id: Option<String>,
    pub buffer: Option<StockBuffer>,
}

impl ListingInput {
    /// Checks the listing; `sku` is the one the request's path names, if it names one.
    pub fn parse(&self, sku: Option<&str>) -> Result<ListingDraft, Vec<FieldError>> {
        let mut v = Validator::new();
        let sku = match (sku, self.sku.as_deref()) {
            (Some(path), Some(body)) if path.trim() != body.trim() => {
                v.push(
                    Invalid::new(
                        "mismatch",
                        format!("must be {path}, the SKU the path names, or left out"),
                    )
                    .at("/sku"),
                );
                None
            }
            (Some(path), _) => v.check("/sku", validation::code(path, "sku")),
            (None, body) => v
                .require("/sku", body)
                .and_then(|s| v.check("/sku", validation::code(s, "sku"))),
        };
        let listing_id = v
            .require("/listing_id", self.listing_id.as_deref())
            .and_then(|id| v.check("/listing_id", channel_id(id)));
        let item_id = match self.item_id.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(id) => v.check("/item_id", channel_id(id)).map(Some),
        };
        let buffer = v.check_opt("/buffer", self.buffer, StockBuffer::check);
        v.finish(|| {
            Some(ListingDraft {
                sku: sku?,
                listing_id: listing_id?,
                item_id: item_id?,
                buffer: buffer?,
            })
        })
    }
}

/// An id the channel gave: one line of visible text, at most `LISTING_ID_MAX`.
fn channel_id(raw: &str) -> Result<String, Invalid> {
    let id = validation::text(raw, LISTING_ID_MAX)?;
    validation::visible(&id, TextKind::Line)?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(sku: Option<&str>, listing: Option<&str>) -> ListingInput {
        ListingInput {
            sku: sku.map(str::to_owned),
            listing_id: listing.map(str::to_owned),
            item_id: Some(" 808950810 ".into()),
            buffer: Some(StockBuffer::Percent(10)),
        }
    }

    #[test]
    fn a_listing_is_trimmed_and_keeps_its_buffer() {
        let draft = input(Some("TEE"), Some("632910392")).parse(None).unwrap();
        assert_eq!(
            draft,
            ListingDraft {
                sku: "TEE".into(),
                listing_id: "632910392".into(),
                item_id: Some("808950810".into()),
                buffer: Some(StockBuffer::Percent(10)),
            }
        );
    }

    #[test]
    fn the_path_names_the_sku_and_the_body_may_not_contradict_it() {
        assert_eq!(input(None, Some("1")).parse(Some("TEE")).unwrap().sku, "TEE");
        assert_eq!(input(Some("TEE"), Some("1")).parse(Some("TEE")).unwrap().sku, "TEE");
        let errors = input(Some("MUG"), Some("1")).parse(Some("TEE")).unwrap_err();
        assert_eq!((errors[0].field.as_str(), errors[0].code), ("/sku", "mismatch"));
    }

    #[test]
    fn every_problem_is_named_by_field() {
        let bad = ListingInput {
            sku: Some("has space".into()),
            listing_id: None,
            item_id: Some("x\u{202e}y".into()),
            buffer: Some(StockBuffer::Units(-1)),
        };
        let errors = bad.parse(None).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["/sku", "/listing_id", "/item_id", "/buffer"]);
        let long = "9".repeat(LISTING_ID_MAX + 1);
        let errors = input(Some("TEE"), Some(&long)).parse(None).unwrap_err();
        assert_eq!((errors[0].field.as_str(), errors[0].code), ("/listing_id", "too_long"));
    }

    #[test]
    fn a_blank_item_id_is_none() {
        let mut blank = input(Some("TEE"), Some("1"));
        blank.item_id = Some("  ".into());
        assert_eq!(blank.parse(None).unwrap().item_id, None);
    }
}
