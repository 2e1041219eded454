//! Ids as paths, bodies and pagination cursors carry them. Most lists page by id (the
//! cursor is the last row's id), so an id's parse is also the cursor's decode.

use jiff::Timestamp;
use switchyard_core::id::*;
use switchyard_core::validation;

use crate::{json, must};

macro_rules! for_each_id {
    ($check:ident, $($arg:expr),*) => {
        $check::<ProductId>($($arg),*);
        $check::<LocationId>($($arg),*);
        $check::<ChannelId>($($arg),*);
        $check::<OrderId>($($arg),*);
        $check::<LineId>($($arg),*);
        $check::<ReservationId>($($arg),*);
        $check::<MovementId>($($arg),*);
        $check::<EventId>($($arg),*);
        $check::<MessageId>($($arg),*);
        $check::<ApiKeyId>($($arg),*);
        $check::<ZoneId>($($arg),*);
        $check::<ShipmentId>($($arg),*);
        $check::<PickListId>($($arg),*);
        $check::<TrackingEventId>($($arg),*);
        $check::<PurchaseOrderId>($($arg),*);
        $check::<PurchaseOrderLineId>($($arg),*);
        $check::<ReturnId>($($arg),*);
        $check::<ReturnLineId>($($arg),*);
        $check::<ReturnReceiptId>($($arg),*);
        $check::<ClaimId>($($arg),*);
        $check::<PaymentId>($($arg),*);
        $check::<PaymentTransactionId>($($arg),*);
    };
}

pub fn ids(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        for_each_id!(parsed, text);
        composite_cursor(text);
    }
    if let [a0, a1, a2, a3, a4, a5, b0, b1, b2, b3, b4, b5, ..] = *data {
        let a = millis([a0, a1, a2, a3, a4, a5]);
        let b = millis([b0, b1, b2, b3, b4, b5]);
        made(a, b);
    }
}

/// What every id type offers, for the checks below.
trait Id: Sized + PartialEq + std::fmt::Debug + std::fmt::Display + serde::Serialize + serde::de::DeserializeOwned {
    const PREFIX: &'static str;
    fn parse(raw: &str) -> Option<Self>;
    fn as_str(&self) -> &str;
}

macro_rules! impl_id {
    ($($name:ident),*) => {$(
        impl Id for $name {
            const PREFIX: &'static str = $name::PREFIX;
            fn parse(raw: &str) -> Option<Self> {
                $name::parse(raw)
            }
            fn as_str(&self) -> &str {
                $name::as_str(self)
            }
        }
    )*};
}
impl_id!(
    ProductId,
    LocationId,
    ChannelId,
    OrderId,
    LineId,
    ReservationId,
    MovementId,
    EventId,
    MessageId,
    ApiKeyId,
    ZoneId,
    ShipmentId,
    PickListId,
    TrackingEventId,
    PurchaseOrderId,
    PurchaseOrderLineId,
    ReturnId,
    ReturnLineId,
    ReturnReceiptId,
    ClaimId,
    PaymentId,
    PaymentTransactionId
);

/// An id accepted is exactly the text given (nothing trimmed or re-cased that a
/// database comparison would then miss), with its prefix and a 26-digit body, and it
/// survives JSON both ways; JSON refuses what `parse` refuses.
fn parsed<I: Id>(text: &str) {
    let Some(id) = I::parse(text) else {
        if text.starts_with(I::PREFIX) {
            let quoted = must(serde_json::to_vec(text), "quote the text");
            assert!(
                json::<I>(&quoted).is_none(),
                "JSON accepts what parse refuses: {text:?}"
            );
        }
        return;
    };
    assert_eq!(id.as_str(), text);
    assert_eq!(id.to_string(), text);
    let body = text.strip_prefix(I::PREFIX).and_then(|b| b.strip_prefix('_'));
    assert_eq!(body.map(str::len), Some(26), "{text:?}");
    let encoded = must(serde_json::to_vec(&id), "serialize id");
    assert_eq!(json::<I>(&encoded), Some(id));
}

/// A millisecond from six bytes: the 48 bits an id's time holds.
fn millis(bytes: [u8; 6]) -> i64 {
    let mut wide = [0u8; 8];
    wide[2..].copy_from_slice(&bytes);
    i64::from_be_bytes(wide)
}

/// decode(encode(k)) == k for ids made at any time an id can hold, and ids made at
/// different milliseconds sort by time, so id cursors page in creation order.
fn made(a: i64, b: i64) {
    let (Ok(at_a), Ok(at_b)) = (Timestamp::from_millisecond(a), Timestamp::from_millisecond(b)) else {
        return;
    };
    // Every id type makes its body with the same `new_body`; one type checks it.
    let (id_a, id_b) = (OrderId::new_at(at_a), OrderId::new_at(at_b));
    for id in [&id_a, &id_b] {
        assert_eq!(OrderId::parse(id.as_str()).as_ref(), Some(id), "{id}");
    }
    if a != b {
        assert_eq!(a < b, id_a < id_b, "{at_a} {at_b}: {id_a} {id_b}");
    }
}

/// Lists sorted by two codes page with a cursor `first|second` (bins: `bin|sku`; stock:
/// `sku|location code`), which the store splits at the first `|`. A code never holds
/// `|`, so the split gives both codes back: decode(encode(k)) == k. The input is the two
/// codes separated by a NUL.
fn composite_cursor(text: &str) {
    let Some((first, second)) = text.split_once('\0') else {
        return;
    };
    if let (Ok(first), Ok(second)) = (validation::code(first, "first"), validation::code(second, "second")) {
        let cursor = format!("{first}|{second}");
        assert_eq!(cursor.split_once('|'), Some((first.as_str(), second.as_str())));
    }
}
