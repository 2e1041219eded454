//! Typed, prefixed, time-sortable ids (`ord_01jf...`). The body is 128 bits in
//! Crockford base32 (time, sequence, randomness), so ids sort by creation time and
//! double as pagination cursors.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
const BODY_LEN: usize = 26;

fn encode(value: u128) -> String {
    (0..BODY_LEN)
        .rev()
        .map(|i| ALPHABET[((value >> (i * 5)) & 0x1f) as usize] as char)
        .collect()
}

/// Which bytes are digits of `ALPHABET`: ids are checked on every row read, and a
/// table look-up per byte is far cheaper than a search of the alphabet.
const IS_DIGIT: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        table[ALPHABET[i] as usize] = true;
        i += 1;
    }
    table
};

fn is_body(raw: &str) -> bool {
    raw.len() == BODY_LEN
        && raw.bytes().all(|b| IS_DIGIT[b as usize])
        // 26 base32 digits hold 130 bits; a u128 body starts with 0-7.
        && raw.as_bytes()[0] <= b'7'
}

/// Counts ids made by this process; it orders ids made in the same millisecond.
static SEQUENCE: AtomicU32 = AtomicU32::new(0);

/// A new time-ordered id body for `at`: 48 bits of milliseconds, 32 bits of this
/// process's sequence, 48 random bits. Ids made in one millisecond sort in the order
/// they were made, so a timeline written in one transaction reads back in order.
pub fn new_body(at: Timestamp) -> String {
    let millis = u128::from(u64::try_from(at.as_millisecond()).unwrap_or(0)) & ((1 << 48) - 1);
    let sequence = u128::from(SEQUENCE.fetch_add(1, Ordering::Relaxed));
    encode(millis << 80 | sequence << 48 | random48(at.as_nanosecond() as u64))
}

/// How many ids' random bits one draw from the operating system provides.
const DRAWN: usize = 64;

/// 48 random bits from the operating system's generator, drawn for `DRAWN` ids at a
/// time: a placement makes a dozen ids, and a system call for each was a visible
/// share of its CPU time. `fallback` seeds the bits should the generator fail.
fn random48(fallback: u64) -> u128 {
    thread_local! {
        static DRAW: std::cell::RefCell<(usize, [u8; 6 * DRAWN])> = const { std::cell::RefCell::new((DRAWN, [0; 6 * DRAWN])) };
    }
    DRAW.with_borrow_mut(|(used, bytes)| {
        if *used == DRAWN {
            if getrandom::fill(bytes).is_err() {
                // Time and sequence keep this process's ids unique without it; the
                // random bits only keep instances apart, which the time roughly does.
                let mut rng = crate::rng::Rng::new(fallback);
                bytes.fill_with(|| rng.next_u64() as u8);
            }
            *used = 0;
        }
        let mut value = [0u8; 16];
        value[..6].copy_from_slice(&bytes[6 * *used..6 * *used + 6]);
        *used += 1;
        u128::from_le_bytes(value)
    })
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = json!(concat!($prefix, "_01jf3v6p8m2qx4r7s9t0w5y1z3"))))]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            /// A new id whose order follows `at`.
            pub fn new_at(at: Timestamp) -> Self {
                Self(format!("{}_{}", $prefix, new_body(at)))
            }

            pub fn parse(raw: &str) -> Option<Self> {
                let body = raw.strip_prefix($prefix)?.strip_prefix('_')?;
                is_body(body).then(|| Self(raw.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(raw: String) -> Result<Self, String> {
                Self::parse(&raw).ok_or_else(|| format!("not a {} id: {raw}", $prefix))
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    };
}

id_type!(
    /// A product (SKU).
    ProductId, "prd");
id_type!(
    /// A stock location: warehouse, shop, 3PL.
    LocationId, "loc");
id_type!(
    /// A sales channel.
    ChannelId, "chn");
id_type!(
    /// An order.
    OrderId, "ord");
id_type!(
    /// A line of an order.
    LineId, "oln");
id_type!(
    /// A reservation of stock for an order line at a location.
    ReservationId, "rsv");
id_type!(
    /// A movement in the inventory ledger.
    MovementId, "mov");
id_type!(
    /// An event on an order's timeline.
    EventId, "evt");
id_type!(
    /// An outbox message.
    MessageId, "msg");
id_type!(
    /// An API key.
    ApiKeyId, "key");
id_type!(
    /// A shipping zone of a location.
    ZoneId, "zon");
id_type!(
    /// A shipment: what one location sends for one order.
    ShipmentId, "shp");
id_type!(
    /// A pick list: a batch of shipments picked in one walk of a location.
    PickListId, "pck");
id_type!(
    /// An event on a shipment's tracking timeline.
    TrackingEventId, "trk");
id_type!(
    /// A purchase order to a supplier.
    PurchaseOrderId, "po");
id_type!(
    /// A line of a purchase order.
    PurchaseOrderLineId, "pol");
id_type!(
    /// A return (RMA).
    ReturnId, "ret");
id_type!(
    /// A line of a return.
    ReturnLineId, "rtl");
id_type!(
    /// Items of a return received with one disposition.
    ReturnReceiptId, "rtr");
id_type!(
    /// A claim: goods that went wrong on the way to the customer.
    ClaimId, "clm");

id_type!(
    /// A webhook endpoint: a URL that hears the events it subscribed to.
    WebhookEndpointId, "whe");
id_type!(
    /// One outbox message on its way to one destination.
    DeliveryId, "dlv");
id_type!(
    /// One try at a delivery.
    AttemptId, "att");

id_type!(
    /// An attempt to take an order's money through its provider.
    PaymentId, "pay");
id_type!(
    /// An authorization, capture, void or refund of a payment.
    PaymentTransactionId, "ptx");

id_type!(
    /// A customer's answers to a feedback request.
    FeedbackId, "fbk");
id_type!(
    /// A person who signs in to the web UI.
    UserId, "usr");
id_type!(
    /// A signed-in session of a user.
    SessionId, "ses");
id_type!(
    /// An entry of the audit list: a change someone made in the web UI.
    AuditId, "aud");
id_type!(
    /// A user's saved view of the order list.
    SavedViewId, "svw");

#[cfg(test)]
mod tests {
    use super::*;

    /// The 128 bits an id's body encodes.
    fn value(id: &str) -> u128 {
        let body = &id[id.len() - BODY_LEN..];
        body.bytes().fold(0, |v, b| {
            v << 5 | ALPHABET.iter().position(|&d| d == b).expect("a base32 digit") as u128
        })
    }

    #[test]
    fn ids_round_trip_and_check_their_prefix() {
        let id = OrderId::new_at(Timestamp::UNIX_EPOCH);
        assert!(id.as_str().starts_with("ord_"));
        assert_eq!(OrderId::parse(id.as_str()), Some(id.clone()));
        assert_eq!(ProductId::parse(id.as_str()), None);
        assert_eq!(OrderId::parse("ord_short"), None);
        // Upper case and the letters Crockford's base32 leaves out are not digits.
        let body = &id.as_str()[4..];
        for wrong in ["U", "i", "l", "o", "u", "!"] {
            let bad = format!("ord_{}{wrong}", &body[..25]);
            assert_eq!(OrderId::parse(&bad), None, "{bad}");
        }
    }

    #[test]
    fn a_body_is_twenty_six_digits_that_fit_in_128_bits() {
        let body = |first: char, len: usize| format!("ord_{first}{}", "z".repeat(len - 1));
        // The largest body, all 128 bits set, starts with 7.
        assert_eq!(value(body('7', BODY_LEN).as_str()), u128::MAX);
        assert!(OrderId::parse(&body('7', BODY_LEN)).is_some());
        assert!(OrderId::parse(&body('0', BODY_LEN)).is_some());
        // A first digit of 8 or more needs bits the body does not have.
        assert_eq!(OrderId::parse(&body('8', BODY_LEN)), None);
        assert_eq!(OrderId::parse(&body('z', BODY_LEN)), None);
        // Digits all valid, but one too few or one too many.
        assert_eq!(OrderId::parse(&body('0', BODY_LEN - 1)), None);
        assert_eq!(OrderId::parse(&body('0', BODY_LEN + 1)), None);
        assert_eq!(OrderId::parse("ord_0123"), None);
    }

    #[test]
    fn ids_made_together_differ_in_their_random_bits() {
        let at = Timestamp::UNIX_EPOCH;
        let random: std::collections::BTreeSet<u128> = (0..3 * DRAWN)
            .map(|_| value(OrderId::new_at(at).as_str()) & ((1 << 48) - 1))
            .collect();
        assert_eq!(random.len(), 3 * DRAWN);
    }

    #[test]
    fn ids_made_in_one_millisecond_keep_their_order() {
        let at = Timestamp::from_second(1_700_000_000).unwrap();
        let ids: Vec<_> = (0..1000).map(|_| EventId::new_at(at)).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn ids_sort_by_time() {
        let early = OrderId::new_at(Timestamp::from_second(1_700_000_000).unwrap());
        let late = OrderId::new_at(Timestamp::from_second(1_700_000_001).unwrap());
        assert!(early < late);
    }

    #[test]
    fn ids_sort_by_their_time_not_by_when_they_were_made() {
        // A backdated event (an imported order, a carrier's late report) made after a
        // newer one still sorts before it, a millisecond or a year earlier.
        let at = Timestamp::from_millisecond(1_700_000_000_001).unwrap();
        let newer = EventId::new_at(at);
        let a_millisecond_older = EventId::new_at(Timestamp::from_millisecond(1_700_000_000_000).unwrap());
        let a_year_older = EventId::new_at(Timestamp::from_second(1_668_464_000).unwrap());
        assert!(a_millisecond_older < newer);
        assert!(a_year_older < a_millisecond_older);
    }
}
