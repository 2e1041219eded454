//! Orders, holds and addresses: what validation accepts is consistent and storable.

use jiff::Timestamp;
use switchyard_core::catalog::{Address, AddressInput};
use switchyard_core::order::{HOLD_NOTE_MAX, HoldInput, MAX_LINES, OrderDraft, OrderInput, Totals};

use super::validated;
use crate::{json, must};

/// An order accepted has 1 to `MAX_LINES` lines, money in its currency and never
/// negative, each line's total and the order's totals as 128-bit arithmetic makes them,
/// and the input sent again (as the server would store and echo it) gives the same order.
pub fn order(body: &[u8]) {
    let Some(draft) = validated(body, OrderInput::parse) else {
        return;
    };
    assert!((1..=MAX_LINES).contains(&draft.lines.len()));
    assert!((0..=100).contains(&draft.priority));
    let money = [draft.shipping, draft.shipping_tax].into_iter().chain(
        draft
            .lines
            .iter()
            .flat_map(|l| [l.unit_price, l.discount, l.tax, l.total]),
    );
    for m in money {
        assert_eq!(m.currency, draft.currency, "{m:?}");
        assert!(!m.is_negative(), "{m:?}");
    }
    let wide = |m: switchyard_core::Money| i128::from(m.amount);
    let mut subtotal = 0i128;
    for l in &draft.lines {
        let gross = wide(l.unit_price) * i128::from(l.quantity.get());
        subtotal += gross;
        assert_eq!(wide(l.total), gross - wide(l.discount) + wide(l.tax), "{l:?}");
    }
    let t = draft.totals;
    assert_eq!(wide(t.subtotal), subtotal);
    assert_eq!(
        wide(t.total),
        wide(t.subtotal) - wide(t.discount) + wide(t.tax) + wide(t.shipping)
    );
    assert_eq!(
        Totals::compute(draft.currency, &draft.lines, draft.shipping, draft.shipping_tax),
        Ok(t)
    );
    resent(body, &draft);
}

fn resent(body: &[u8], draft: &OrderDraft) {
    let Some(input) = json::<OrderInput>(body) else { return };
    let again = must(serde_json::to_vec(&input), "serialize the order input");
    let reparsed = json::<OrderInput>(&again).map(|i| i.parse());
    assert_eq!(reparsed, Some(Ok(draft.clone())));
}

/// A hold accepted has its reason, a note within bounds and an end in the future.
pub fn hold(body: &[u8], now: Timestamp) {
    let Some(hold) = validated(body, |h: &HoldInput| h.parse(now)) else {
        return;
    };
    assert!(
        hold.note
            .as_ref()
            .is_none_or(|n| !n.is_empty() && n.chars().count() <= HOLD_NOTE_MAX)
    );
    assert!(hold.until.is_none_or(|until| until > now));
}

/// An address's problems are named under the path it was given.
pub fn address(body: &[u8]) {
    let Some(input) = json::<AddressInput>(body) else {
        return;
    };
    if let Err(errors) = Address::parse(&input, "/shipping_address") {
        for e in errors {
            assert!(e.field.starts_with("/shipping_address"), "{e:?}");
        }
    }
}
