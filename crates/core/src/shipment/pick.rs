//! What confirming a pick list decides: which reports of the picker stand, how the
//! units found fill the totes, what a line sent back to routing becomes, and what
//! becomes of each shipment on the list.

use std::collections::BTreeMap;

use super::{PickListStatus, ShipmentAction, ShipmentLineStatus};
use crate::validation::FieldError;

impl PickListStatus {
    /// Whether the list's picks may be confirmed: once, while it is open.
    pub fn may_confirm(self) -> bool {
        self == PickListStatus::Open
    }
}

impl ShipmentLineStatus {
    /// The status of a line a short pick sends back to routing: `Short` for a line
    /// the picker found too few of, `Withdrawn` for one that goes back with it (its
    /// order ships complete).
    pub fn pulled(short: bool) -> ShipmentLineStatus {
        if short {
            ShipmentLineStatus::Short
        } else {
            ShipmentLineStatus::Withdrawn
        }
    }
}

/// Checks what the picker reports (`picks`: SKU and units found) against the lines
/// of pick list `number` (`to_pick`: SKU and units to pick): each SKU must be on the
/// list, and no more units found than it lists.
pub fn check_picks(number: &str, to_pick: &[(&str, i64)], picks: &[(String, i64)]) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    for (i, (sku, found)) in picks.iter().enumerate() {
        match to_pick.iter().find(|(s, _)| s == sku) {
            None => errors.push(FieldError {
                field: format!("/picks/{i}/sku"),
                code: "not_on_pick_list",
                message: format!("{sku} is not on pick list {number}"),
            }),
            Some((_, quantity)) if found > quantity => errors.push(FieldError {
                field: format!("/picks/{i}/quantity"),
                code: "out_of_range",
                message: format!("only {quantity} × {sku} to pick"),
            }),
            Some(_) => {}
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// The units each tote gets: `totes` are the SKU and units wanted of each
/// allocation, in tote order; `found` names the SKUs found short and how many of
/// each were found. Found units fill the totes in order; a SKU not named was found
/// in full.
pub fn fill_totes(totes: &[(&str, i64)], found: &[(String, i64)]) -> Vec<i64> {
    let mut left: BTreeMap<&str, i64> = BTreeMap::new();
    for (sku, quantity) in totes {
        *left.entry(sku).or_insert(0) += quantity;
    }
    for (sku, n) in found {
        if let Some(l) = left.get_mut(sku.as_str()) {
            *l = *n;
        }
    }
    totes
        .iter()
        .map(|(sku, quantity)| {
            left.get_mut(sku).map_or(*quantity, |l| {
                let take = (*l).min(*quantity);
                *l -= take;
                take
            })
        })
        .collect()
}

/// What confirmed picks do to a shipment with `travelling` allocations still in it
/// after any short pick: it goes on to be packed, or is cancelled when nothing is
/// left to travel.
pub fn after_picks(travelling: usize) -> ShipmentAction {
    if travelling == 0 {
        ShipmentAction::Cancel
    } else {
        ShipmentAction::ConfirmPick
    }
}
