//! The refunds an eBay order lists, each told once.

use std::collections::HashSet;

use switchyard_core::money::Currency;
use switchyard_core::validation::Invalid;

use super::{Mapper, unmappable};
use crate::ebay::model::Order;
use crate::{ChannelError, ChannelRefund};

/// eBay's `refundStatus` of a refund that was paid.
const REFUNDED: &str = "REFUNDED";

/// The refunds eBay paid on the order: `paymentSummary.refunds[]` that are
/// `REFUNDED`, then any line refund whose id the order's list did not have.
pub(super) fn refunds(order: &Order, currency: Currency) -> Result<Vec<ChannelRefund>, ChannelError> {
    let mut m = Mapper {
        currency: Some(currency),
        errors: Vec::new(),
    };
    let order_level = order
        .payment_summary
        .iter()
        .flat_map(|p| &p.refunds)
        .enumerate()
        .filter(|(_, r)| r.refund_status.as_deref().is_none_or(|s| s == REFUNDED))
        .map(|(i, r)| (format!("/paymentSummary/refunds/{i}"), r));
    let line_level = order.line_items.iter().enumerate().flat_map(|(l, line)| {
        line.refunds
            .iter()
            .enumerate()
            .map(move |(i, r)| (format!("/lineItems/{l}/refunds/{i}"), r))
    });
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (at, refund) in order_level.chain(line_level) {
        let id = refund.refund_id.clone().or_else(|| refund.refund_reference_id.clone());
        // A line refund eBay lists with only its date is told by the order's list.
        let (Some(id), Some(amount)) = (id, refund.amount.as_ref()) else {
            if at.starts_with("/paymentSummary") {
                m.errors
                    .push(Invalid::new("required", "a refund needs its refundId and amount").at(at));
            }
            continue;
        };
        if !seen.insert(id.clone()) {
            continue;
        }
        if let Some(amount) = m.money(&format!("{at}/amount"), Some(amount)) {
            out.push(ChannelRefund {
                external_id: order.order_id.clone(),
                refund_id: id,
                amount,
                reason: None,
            });
        }
    }
    if m.errors.is_empty() {
        Ok(out)
    } else {
        Err(unmappable(order, m.errors))
    }
}
