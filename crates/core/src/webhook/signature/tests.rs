//! Signatures checked against the Standard Webhooks project's own test vectors (in
//! `../testdata/`, see the README there), then rotation, tolerance and malformed headers.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use super::*;

const VECTORS: &str = include_str!("../testdata/standard_webhooks_test_vectors.json");

fn vectors() -> Value {
    serde_json::from_str(VECTORS).unwrap()
}

/// The key a `whsec_` secret stands for.
fn key(secret: &Value) -> Vec<u8> {
    let text = secret.as_str().unwrap().strip_prefix("whsec_").unwrap();
    STANDARD.decode(text).unwrap()
}

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).unwrap()
}

#[test]
fn the_published_vectors_sign_to_the_published_signatures() {
    let vectors = vectors();
    let valid = vectors["valid"].as_array().unwrap();
    assert_eq!(valid.len(), 2);
    for vector in valid {
        let timestamp = vector["timestamp"].as_i64().unwrap();
        let msg_id = vector["msg_id"].as_str().unwrap();
        let body = vector["payload"].as_str().unwrap().as_bytes();
        let signature = sign(&key(&vector["secret"]), msg_id, timestamp, body);
        assert_eq!(signature, vector["expected_signature"].as_str().unwrap());
        assert_eq!(
            verify(
                &key(&vector["secret"]),
                msg_id,
                timestamp,
                body,
                &signature,
                at(timestamp)
            ),
            Ok(())
        );
    }
}

#[test]
fn the_published_wrong_signatures_do_not_verify() {
    let vectors = vectors();
    let valid = vectors["valid"].as_array().unwrap();
    let invalid = vectors["invalid_signatures"].as_array().unwrap();
    assert_eq!(invalid.len(), 2);
    for (vector, original) in invalid.iter().zip(valid) {
        // The wrong signatures were made for the valid vectors' requests, whose timestamp
        // they share.
        assert_eq!(vector["msg_id"], original["msg_id"]);
        let timestamp = original["timestamp"].as_i64().unwrap();
        let outcome = verify(
            &key(&vector["secret"]),
            vector["msg_id"].as_str().unwrap(),
            timestamp,
            vector["payload"].as_str().unwrap().as_bytes(),
            vector["signature"].as_str().unwrap(),
            at(timestamp),
        );
        assert_eq!(outcome, Err(Unverified::NoMatch), "{}", vector["signature"]);
    }
}

#[test]
fn a_changed_id_timestamp_body_or_key_does_not_verify() {
    let key = b"a secret key".as_slice();
    let good = sign(key, "msg_1", 1_700_000_000, b"{}");
    let now = at(1_700_000_000);
    assert_eq!(verify(key, "msg_1", 1_700_000_000, b"{}", &good, now), Ok(()));
    let refused = Err(Unverified::NoMatch);
    assert_eq!(verify(key, "msg_2", 1_700_000_000, b"{}", &good, now), refused);
    assert_eq!(verify(key, "msg_1", 1_700_000_001, b"{}", &good, now), refused);
    assert_eq!(verify(key, "msg_1", 1_700_000_000, b"{ }", &good, now), refused);
    assert_eq!(
        verify(b"another key", "msg_1", 1_700_000_000, b"{}", &good, now),
        refused
    );
}

#[test]
fn a_header_of_two_signatures_verifies_with_either_key_during_a_rotation() {
    let (new, old) = (b"the new key".as_slice(), b"the old key".as_slice());
    let value = header(&[new, old], "msg_1", 1_700_000_000, b"{\"a\":1}");
    let parts: Vec<&str> = value.split(' ').collect();
    assert_eq!(
        parts,
        [
            sign(new, "msg_1", 1_700_000_000, b"{\"a\":1}"),
            sign(old, "msg_1", 1_700_000_000, b"{\"a\":1}")
        ]
    );
    let now = at(1_700_000_000);
    assert_eq!(verify(new, "msg_1", 1_700_000_000, b"{\"a\":1}", &value, now), Ok(()));
    assert_eq!(verify(old, "msg_1", 1_700_000_000, b"{\"a\":1}", &value, now), Ok(()));
    assert_eq!(
        verify(b"a third key", "msg_1", 1_700_000_000, b"{\"a\":1}", &value, now),
        Err(Unverified::NoMatch)
    );
    assert_eq!(header(&[], "msg_1", 1, b""), "", "no key, no signature");
}

#[test]
fn a_timestamp_more_than_five_minutes_from_now_either_way_is_refused() {
    let key = b"k".as_slice();
    let sent = 1_700_000_000;
    let value = sign(key, "msg_1", sent, b"x");
    let check = |now| verify(key, "msg_1", sent, b"x", &value, at(now));
    assert_eq!(check(sent + 300), Ok(()), "five minutes late is still in time");
    assert_eq!(check(sent + 301), Err(Unverified::TooOld));
    assert_eq!(check(sent - 300), Ok(()), "five minutes early is still in time");
    assert_eq!(check(sent - 301), Err(Unverified::TooNew));
}

#[test]
fn entries_of_other_versions_and_malformed_entries_are_ignored() {
    let key = b"k".as_slice();
    let good = sign(key, "msg_1", 10, b"x");
    let digest = good.strip_prefix("v1,").unwrap();
    let now = at(10);
    let with = |value: &str| verify(key, "msg_1", 10, b"x", value, now);
    assert_eq!(with(&format!("v1a,{digest} garbage v1,!!! {good}")), Ok(()));
    for refused in [
        String::new(),
        format!("v2,{digest}"),
        format!("v1a,{digest}"),
        digest.to_owned(),
        format!("v1,{}", &digest[..digest.len() - 4]),
        format!("V1,{digest}"),
    ] {
        assert_eq!(with(&refused), Err(Unverified::NoMatch), "{refused}");
    }
}

#[test]
fn keys_of_every_length_sign_as_the_hmac_slice_constructor_would() {
    for length in [0, 1, 24, 63, 64, 65, 200] {
        let key = vec![7u8; length];
        let mut reference = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        reference.update(b"msg_1.5.body");
        let expected = STANDARD.encode(reference.finalize().into_bytes());
        assert_eq!(sign(&key, "msg_1", 5, b"body"), format!("v1,{expected}"), "{length}");
    }
}
