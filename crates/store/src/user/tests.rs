use std::sync::Arc;

use jiff::SignedDuration;
use switchyard_core::ManualClock;
use switchyard_core::auth::Role;
use switchyard_core::user::{SESSION_IDLE, SESSION_MAX, SIGN_IN_PER_EMAIL, UserInput};

use super::SignIn;
use crate::testing::TempDb;

const PASSWORD: &str = "correct horse battery";

fn ann() -> UserInput {
    UserInput {
        name: "Ann Smith".into(),
        email: "ann@example.com".into(),
        role: "support".into(),
        password: PASSWORD.into(),
    }
}

async fn open() -> (TempDb, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new("2026-12-07T09:00:00Z".parse().unwrap()));
    (TempDb::open(clock.clone()).await, clock)
}

fn token(signed: SignIn) -> String {
    match signed {
        SignIn::Opened { token, .. } => token,
        other => panic!("not signed in: {other:?}"),
    }
}

#[tokio::test]
async fn a_user_signs_in_with_the_right_password_only() {
    let (db, _) = open().await;
    let store = &db.store;
    let user = store.create_user(ann().parse().unwrap()).await.unwrap();
    let again = store.create_user(ann().parse().unwrap()).await.unwrap_err();
    assert!(
        matches!(again, crate::StoreError::Invalid(ref e) if e[0].field == "/email"),
        "{again:?}"
    );

    assert!(matches!(
        store
            .sign_in("ann@example.com", "wrong password!", "10.0.0.1", "test")
            .await
            .unwrap(),
        SignIn::Refused
    ));
    assert!(matches!(
        store
            .sign_in("nobody@example.com", PASSWORD, "10.0.0.1", "test")
            .await
            .unwrap(),
        SignIn::Refused
    ));
    // The email is matched whatever its case; the session knows its user and role.
    let token = token(
        store
            .sign_in(" ANN@example.com", PASSWORD, "10.0.0.1", "test")
            .await
            .unwrap(),
    );
    let session = store.session(&token).await.unwrap().unwrap();
    assert_eq!((session.user.id, session.user.role), (user.id, Role::Support));
    assert!(store.session("not-a-token").await.unwrap().is_none());
    db.close().await;
}

#[tokio::test]
async fn sessions_end_when_idle_at_their_maximum_or_when_ended() {
    let (db, clock) = open().await;
    let store = &db.store;
    let user = store.create_user(ann().parse().unwrap()).await.unwrap();
    let sign_in = || async {
        token(
            store
                .sign_in("ann@example.com", PASSWORD, "10.0.0.1", "test")
                .await
                .unwrap(),
        )
    };

    // Idle: alive just before the idle time, gone at it.
    let idle = sign_in().await;
    clock.advance(SESSION_IDLE - SignedDuration::from_secs(1));
    assert!(store.session(&idle).await.unwrap().is_some());
    clock.advance(SESSION_IDLE);
    assert!(store.session(&idle).await.unwrap().is_none());

    // Used every few hours, a session still ends at its maximum age.
    let busy = sign_in().await;
    let mut lived = SignedDuration::ZERO;
    while lived + SignedDuration::from_hours(6) < SESSION_MAX {
        clock.advance(SignedDuration::from_hours(6));
        lived += SignedDuration::from_hours(6);
        assert!(store.session(&busy).await.unwrap().is_some(), "alive after {lived:?}");
    }
    clock.advance(SESSION_MAX - lived);
    assert!(store.session(&busy).await.unwrap().is_none());

    // Ended one by one, or all at once when the user is disabled.
    let first = sign_in().await;
    let second = sign_in().await;
    let live = store.session(&first).await.unwrap().unwrap();
    assert_eq!(store.sessions_of(&user.id).await.unwrap().len(), 2);
    store.end_session(&live.id).await.unwrap();
    assert!(store.session(&first).await.unwrap().is_none());
    assert!(store.session(&second).await.unwrap().is_some());
    store.set_user_disabled(&user.id, true).await.unwrap();
    assert!(store.session(&second).await.unwrap().is_none());
    assert!(matches!(
        store
            .sign_in("ann@example.com", PASSWORD, "10.0.0.1", "test")
            .await
            .unwrap(),
        SignIn::Refused
    ));
    store.set_user_disabled(&user.id, false).await.unwrap();
    sign_in().await;
    db.close().await;
}

#[tokio::test]
async fn wrong_passwords_throttle_the_email_even_with_the_right_one_next() {
    let (db, clock) = open().await;
    let store = &db.store;
    store.create_user(ann().parse().unwrap()).await.unwrap();
    for i in 0..SIGN_IN_PER_EMAIL.max {
        let address = format!("10.0.0.{i}");
        let refused = store
            .sign_in("ann@example.com", "guess guess guess", &address, "t")
            .await
            .unwrap();
        assert!(matches!(refused, SignIn::Refused));
    }
    let throttled = store
        .sign_in("ann@example.com", PASSWORD, "10.9.9.9", "t")
        .await
        .unwrap();
    let SignIn::Throttled(wait) = throttled else {
        panic!("{throttled:?}")
    };
    assert_eq!(wait, SIGN_IN_PER_EMAIL.window);
    clock.advance(SIGN_IN_PER_EMAIL.window);
    token(
        store
            .sign_in("ann@example.com", PASSWORD, "10.9.9.9", "t")
            .await
            .unwrap(),
    );
    db.close().await;
}
