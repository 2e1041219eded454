//! An email sent again from the order page: the same email reaches the customer a
//! second time, and the order's timeline and the audit list say who asked.

use super::sink::SmtpSink;
use super::walk::{drain, worker};
use crate::helpers::*;
use crate::ui::support::signed_in;
use switchyard_core::auth::Role;

pub async fn staff_resend_an_email_from_the_order_page(app: &TestApp, sink: &SmtpSink) {
    let number = super::ordered(app).await;
    let worker = worker(app, sink, None);
    drain(&worker).await;
    let first = sink.subjects();
    assert_eq!(first.len(), 1, "{first:?}");

    let staff = signed_in(app, Role::Support).await;
    let (status, page) = staff.get(&format!("/ui/orders/{number}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Emails to the customer"), "{page}");
    assert!(page.contains("order received"), "{page}");
    let action = page
        .split("action=\"")
        .find(|a| a.contains("/resend\""))
        .and_then(|a| a.split('"').next())
        .expect("a resend button")
        .to_owned();
    let r = staff.post(&action, &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("/ui/orders/{number}?done=email_resent").as_str()
    );
    drain(&worker).await;
    assert_eq!(sink.subjects(), [first[0].clone(), first[0].clone()]);

    let order = app.get(&format!("/api/v1/orders/{number}")).await.body;
    let resent: Vec<_> = order["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "order.email_resent")
        .collect();
    assert_eq!(resent.len(), 1, "{order}");
    assert_eq!(resent[0]["actor"], "Sam Support");

    // A viewer sees no button, and a message of another order is refused as unknown.
    let viewer = signed_in(app, Role::Viewer).await;
    assert!(
        !viewer
            .get(&format!("/ui/orders/{number}"))
            .await
            .1
            .contains("/resend\"")
    );
    assert_eq!(viewer.post(&action, &[]).await.status(), 403);
    let other = app.place("1002", &[("TEE", 1)]).await;
    let elsewhere = action.replace(&number, &other);
    let refused = staff.post(&elsewhere, &[]).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("does not exist"));
    drain(&worker).await;
    assert_eq!(sink.subjects().len(), 3, "only the other order's own email was added");
}
