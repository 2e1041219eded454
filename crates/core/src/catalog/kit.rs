//! Kits: products whose stock is their components' stock. What a valid list of
//! components is, which product may become (or stop being) a kit, and that only
//! ordinary products hold stock.

use serde::{Deserialize, Serialize};

use crate::id::ProductId;
use crate::inventory::Quantity;
use crate::validation::{self, FieldError, Invalid, Validator};

/// Only ordinary products hold stock: a kit's stock is its components' stock, so it is
/// never received, counted, adjusted or bought itself.
pub fn holds_stock(sku: &str, is_kit: bool) -> Result<(), Invalid> {
    if is_kit {
        Err(Invalid::new(
            "kit",
            format!("{sku} is a kit: it has no stock of its own; use its components"),
        ))
    } else {
        Ok(())
    }
}

/// One component of a kit as it arrives.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ComponentInput {
    /// SKU (or product id) of the component.
    #[cfg_attr(feature = "openapi", schema(example = "MUG-FERN"))]
    pub sku: Option<String>,
    /// Units of the component in one kit.
    #[cfg_attr(feature = "openapi", schema(example = 2))]
    pub quantity: Option<i64>,
}

/// Parses a kit's components: each named once, with a positive quantity. An empty
/// list makes the product an ordinary one again.
pub fn parse_components(inputs: &[ComponentInput]) -> Result<Vec<(String, Quantity)>, Vec<FieldError>> {
    let mut v = Validator::new();
    let mut parts: Vec<(String, Quantity)> = Vec::new();
    for (i, c) in inputs.iter().enumerate() {
        let sku = v
            .require(format!("/{i}/sku"), c.sku.as_deref())
            .and_then(|s| v.check(format!("/{i}/sku"), validation::code(s, "sku")));
        let quantity = v
            .require(format!("/{i}/quantity"), c.quantity)
            .and_then(|q| v.check(format!("/{i}/quantity"), Quantity::new(q)));
        if let (Some(sku), Some(quantity)) = (sku, quantity) {
            if parts.iter().any(|(s, _)| *s == sku) {
                v.push(listed_twice().at(format!("/{i}/sku")));
            }
            parts.push((sku, quantity));
        }
    }
    v.finish(|| Some(parts))
}

fn listed_twice() -> Invalid {
    Invalid::new("duplicate", "is listed twice")
}

/// What the store found for a component reference (a SKU or product id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentFacts {
    pub id: ProductId,
    pub sku: String,
    /// Whether the product is itself a kit (has components).
    pub is_kit: bool,
}

/// One component of a valid kit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KitComponent {
    pub product_id: ProductId,
    pub quantity: Quantity,
}

/// Checks each parsed component of `kit` against the product its reference found
/// (`found[i]` for `parts[i]`, `None` when there is none): a kit cannot contain
/// itself, kits cannot nest, the product must exist, and one product is not listed
/// twice (once by SKU and once by id). Every problem is named under `/{i}/sku`.
pub fn check_components(
    kit: &ProductId,
    parts: &[(String, Quantity)],
    found: &[Option<ComponentFacts>],
) -> Result<Vec<KitComponent>, Vec<FieldError>> {
    let mut v = Validator::new();
    let mut components: Vec<KitComponent> = Vec::new();
    for (i, ((reference, quantity), product)) in parts.iter().zip(found).enumerate() {
        let problem = match product {
            None => Some(Invalid::new(
                "unknown_sku",
                format!("there is no product with SKU {reference}"),
            )),
            Some(p) if p.id == *kit => Some(Invalid::new("self_reference", "a kit cannot contain itself")),
            Some(p) if p.is_kit => Some(Invalid::new(
                "nested_kit",
                format!("{} is itself a kit; kits cannot nest", p.sku),
            )),
            Some(p) if components.iter().any(|c| c.product_id == p.id) => Some(listed_twice()),
            Some(p) => {
                components.push(KitComponent {
                    product_id: p.id.clone(),
                    quantity: *quantity,
                });
                None
            }
        };
        if let Some(problem) = problem {
            v.push(problem.at(format!("/{i}/sku")));
        }
    }
    v.finish(|| Some(components))
}

/// What the store knows of a product whose components are about to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KitFacts<'a> {
    pub sku: &'a str,
    /// Waiting lines (allocated or backordered) of live orders for the product.
    pub open_lines: i64,
    /// Whether it has units on hand anywhere.
    pub has_stock: bool,
    /// Whether it is a component of another kit.
    pub is_component: bool,
}

/// Whether the product's components may be set, `becomes_kit` when the new list is
/// not empty: never while the product is on open order lines (they reserved what its
/// current components say), and a product becomes a kit only when it has no stock of
/// its own and is no component of another kit. An `Invalid` here is a conflict.
pub fn may_set_components(facts: &KitFacts, becomes_kit: bool) -> Result<(), Invalid> {
    if facts.open_lines > 0 {
        return Err(Invalid::new(
            "kit_in_use",
            format!(
                "{} is on {} open order line(s); change its components once they have shipped or been cancelled",
                facts.sku, facts.open_lines
            ),
        ));
    }
    if becomes_kit && (facts.has_stock || facts.is_component) {
        let why = if facts.has_stock {
            "it has stock of its own"
        } else {
            "it is a component of another kit"
        };
        return Err(Invalid::new(
            "cannot_be_kit",
            format!("{} cannot become a kit: {why}", facts.sku),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> ProductId {
        ProductId::new_at(jiff::Timestamp::from_second(i64::from(n)).unwrap())
    }

    fn product(id: &ProductId, sku: &str, is_kit: bool) -> Option<ComponentFacts> {
        Some(ComponentFacts {
            id: id.clone(),
            sku: sku.into(),
            is_kit,
        })
    }

    fn parts(skus: &[&str]) -> Vec<(String, Quantity)> {
        skus.iter()
            .map(|s| (s.to_string(), Quantity::new(1).unwrap()))
            .collect()
    }

    fn problems(errors: Vec<FieldError>) -> Vec<(String, &'static str)> {
        errors.into_iter().map(|e| (e.field, e.code)).collect()
    }

    #[test]
    fn only_ordinary_products_hold_stock() {
        assert!(holds_stock("TEE", false).is_ok());
        assert_eq!(holds_stock("GIFTSET", true).unwrap_err().code, "kit");
    }

    #[test]
    fn components_are_parsed_each_once_with_a_positive_quantity() {
        let input = |sku: Option<&str>, quantity: Option<i64>| ComponentInput {
            sku: sku.map(Into::into),
            quantity,
        };
        let errors = parse_components(&[
            input(Some("MUG"), Some(0)),
            input(None, Some(1)),
            input(Some("TEE RED"), Some(1)),
            input(Some("TEE"), Some(1)),
            input(Some("TEE"), Some(2)),
        ])
        .unwrap_err();
        assert_eq!(
            problems(errors),
            [
                ("/0/quantity".into(), "out_of_range"),
                ("/1/sku".into(), "required"),
                ("/2/sku".into(), "invalid_format"),
                ("/4/sku".into(), "duplicate")
            ]
        );
        assert_eq!(
            parse_components(&[]),
            Ok(Vec::new()),
            "no components: an ordinary product"
        );
    }

    #[test]
    fn a_kit_holds_known_ordinary_products_other_than_itself() {
        let (kit, box_, mug) = (id(1), id(2), id(3));
        let found = [
            product(&kit, "GIFTSET", false),
            None,
            product(&box_, "BOX", true),
            product(&mug, "MUG", false),
        ];
        let errors = check_components(&kit, &parts(&["GIFTSET", "NOPE", "BOX", "MUG"]), &found).unwrap_err();
        assert_eq!(
            problems(errors.clone()),
            [
                ("/0/sku".into(), "self_reference"),
                ("/1/sku".into(), "unknown_sku"),
                ("/2/sku".into(), "nested_kit")
            ]
        );
        assert_eq!(errors[1].message, "there is no product with SKU NOPE");
        assert_eq!(errors[2].message, "BOX is itself a kit; kits cannot nest");

        let ok = check_components(&kit, &parts(&["MUG"]), &found[3..]).unwrap();
        assert_eq!(ok[0].product_id, mug);
        assert_eq!(ok[0].quantity.get(), 1);
    }

    #[test]
    fn one_product_named_by_sku_and_by_id_is_listed_twice() {
        let (kit, mug) = (id(1), id(3));
        let found = [product(&mug, "MUG", false), product(&mug, "MUG", false)];
        let errors = check_components(&kit, &parts(&["MUG", mug.as_str()]), &found).unwrap_err();
        assert_eq!(problems(errors), [("/1/sku".into(), "duplicate")]);
    }

    #[test]
    fn components_change_only_off_open_orders_and_a_kit_has_no_stock_of_its_own() {
        let idle = KitFacts {
            sku: "GIFTSET",
            open_lines: 0,
            has_stock: false,
            is_component: false,
        };
        assert!(may_set_components(&idle, true).is_ok());
        let ordered = KitFacts {
            open_lines: 2,
            ..idle.clone()
        };
        let refused = may_set_components(&ordered, false).unwrap_err();
        assert_eq!(refused.code, "kit_in_use");
        assert!(
            refused.message.contains("is on 2 open order line(s)"),
            "{}",
            refused.message
        );
        let stocked = KitFacts {
            has_stock: true,
            is_component: true,
            ..idle.clone()
        };
        let refused = may_set_components(&stocked, true).unwrap_err();
        assert_eq!(refused.code, "cannot_be_kit");
        assert_eq!(refused.message, "GIFTSET cannot become a kit: it has stock of its own");
        let inside = KitFacts {
            is_component: true,
            ..idle.clone()
        };
        assert!(
            may_set_components(&inside, true)
                .unwrap_err()
                .message
                .ends_with("a component of another kit")
        );
        assert!(
            may_set_components(&stocked, false).is_ok(),
            "an empty list is always allowed"
        );
    }
}
