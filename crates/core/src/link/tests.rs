use jiff::{SignedDuration, Timestamp};

use super::*;

fn now() -> Timestamp {
    "2026-12-06T12:00:00Z".parse().unwrap()
}

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

#[test]
fn a_signed_link_names_its_order_until_it_expires() {
    let order = OrderId::new_at(now());
    for purpose in [Purpose::Feedback, Purpose::Order] {
        let expires = expiry(purpose, now() + SignedDuration::from_millis(250));
        assert_eq!(expires, now() + purpose.valid_for(), "to the whole second");
        let token = sign(purpose, &order, expires, SECRET);
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.'),
            "{token}"
        );
        assert_eq!(verify(purpose, &token, SECRET, now()), Ok(order.clone()));
        assert_eq!(
            verify(purpose, &token, SECRET, expires - SignedDuration::from_secs(1)),
            Ok(order.clone())
        );
        assert_eq!(verify(purpose, &token, SECRET, expires), Err(LinkError::Expired));
        let link = Link::open(purpose, &token, SECRET).unwrap();
        assert_eq!(
            link,
            Link {
                order: order.clone(),
                expires_at: expires
            }
        );
    }
    assert!(
        ORDER_VALID_FOR > FEEDBACK_VALID_FOR,
        "a status link outlives the return window"
    );
}

#[test]
fn a_link_for_one_purpose_is_forged_for_another() {
    let order = OrderId::new_at(now());
    let feedback = sign(Purpose::Feedback, &order, now() + FEEDBACK_VALID_FOR, SECRET);
    let status = sign(Purpose::Order, &order, now() + FEEDBACK_VALID_FOR, SECRET);
    assert_ne!(feedback, status);
    assert_eq!(verify(Purpose::Order, &feedback, SECRET, now()), Err(LinkError::Forged));
    assert_eq!(
        verify(Purpose::Feedback, &status, SECRET, now()),
        Err(LinkError::Forged)
    );
}

#[test]
fn feedback_tokens_are_signed_as_they_always_were() {
    // A token made before links had purposes: the MAC over "switchyard feedback
    // link\n" and the text. Links in customers' inboxes keep working.
    let at = Timestamp::from_second(1_800_000_000).unwrap();
    let order = OrderId::new_at(at);
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET).unwrap();
    mac.update(b"switchyard feedback link\n");
    mac.update(format!("{order}.1800000000").as_bytes());
    let old = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(format!("{order}.1800000000")),
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    );
    assert_eq!(sign(Purpose::Feedback, &order, at, SECRET), old);
}

#[test]
fn a_link_made_or_changed_without_the_secret_is_refused() {
    let order = OrderId::new_at(now());
    let purpose = Purpose::Order;
    let token = sign(purpose, &order, now() + ORDER_VALID_FOR, SECRET);
    let other = b"another secret, another server..";
    assert_eq!(verify(purpose, &token, other, now()), Err(LinkError::Forged));
    // A later expiry with the old signature.
    let (_, mac) = token.split_once('.').unwrap();
    let stretched = sign(purpose, &order, now() + ORDER_VALID_FOR * 2, SECRET);
    let (text, _) = stretched.split_once('.').unwrap();
    assert_eq!(
        verify(purpose, &format!("{text}.{mac}"), SECRET, now()),
        Err(LinkError::Forged)
    );
    for garbage in ["", "abc", "a.b", "!!.??", &token.replace('.', "")] {
        assert_eq!(
            verify(purpose, garbage, SECRET, now()),
            Err(LinkError::Malformed),
            "{garbage:?}"
        );
    }
    // Signed, but not a link: the secret signs nothing else with this purpose.
    let mut text_only = token.clone();
    text_only.truncate(token.find('.').unwrap());
    assert_eq!(
        verify(purpose, &format!("{text_only}."), SECRET, now()),
        Err(LinkError::Forged)
    );
}
