//! Who may give money back: every route that can refund, called by every role on an
//! order whose money was captured. The table says what each role gets: the money
//! moves, the call succeeds and moves nothing (the refund waits for someone who may
//! approve it), or 403 naming the permission it lacks, with no money moved and
//! nothing placed.

use reqwest::Method;
use serde_json::{Value, json};
use switchyard_core::auth::{Permission, Role};
use switchyard_core::payment::APPEASEMENT_LIMIT_PERCENT;

use super::number;
use crate::both;
use crate::helpers::*;

/// What a role gets from a route that can give money back.
#[derive(Debug, Clone, Copy)]
enum Answer {
    /// This status, and money went back.
    Moves(u16),
    /// This status, and no money moved.
    Keeps(u16),
    /// 403 naming the permission; no money moved and nothing was placed.
    Refused(Permission),
}

use Answer::{Keeps, Moves, Refused};
use Permission::{ManageOrders, MoveStock, Refund};

/// Every way money can go back.
#[derive(Debug, Clone, Copy)]
enum Payout {
    Refund,
    /// Goodwill within what a role that may not refund may give (20% of the capture).
    SmallAppeasement,
    /// Goodwill beyond it.
    LargeAppeasement,
    ClaimRefund,
    /// Authorizing a return on a channel that refunds on authorization.
    AuthorizeRefundingReturn,
    /// Receiving a return that support authorized: nobody approved its refund.
    ReceiveUnapproved,
    /// Receiving a return that a manager authorized, approving its refund.
    ReceiveApproved,
    /// Exchanging a return, that support authorized, for cheaper goods.
    ExchangeUnapproved,
    /// Exchanging a return, that a manager authorized, for cheaper goods.
    ExchangeApproved,
    /// Approving the refund of a return that arrived without one.
    ApproveRefund,
    /// Cancelling an order captured on placement, before it ships.
    CancelOrder,
}

/// What each role gets, in the order of `Role::ALL`: admin, manager, warehouse,
/// support, viewer.
const TABLE: &[(Payout, [Answer; 5])] = &[
    (
        Payout::Refund,
        [
            Moves(201),
            Moves(201),
            Refused(Refund),
            Refused(Refund),
            Refused(Refund),
        ],
    ),
    (
        Payout::SmallAppeasement,
        [
            Moves(201),
            Moves(201),
            Refused(Permission::Appease),
            Moves(201),
            Refused(Permission::Appease),
        ],
    ),
    (
        Payout::LargeAppeasement,
        [
            Moves(201),
            Moves(201),
            Refused(Permission::Appease),
            Refused(Refund),
            Refused(Permission::Appease),
        ],
    ),
    (
        Payout::ClaimRefund,
        [
            Moves(201),
            Moves(201),
            Refused(ManageOrders),
            Refused(Refund),
            Refused(ManageOrders),
        ],
    ),
    (
        Payout::AuthorizeRefundingReturn,
        [
            Moves(200),
            Moves(200),
            Refused(ManageOrders),
            Keeps(200),
            Refused(ManageOrders),
        ],
    ),
    (
        Payout::ReceiveUnapproved,
        [
            Keeps(200),
            Keeps(200),
            Keeps(200),
            Refused(MoveStock),
            Refused(MoveStock),
        ],
    ),
    (
        Payout::ReceiveApproved,
        [
            Moves(200),
            Moves(200),
            Moves(200),
            Refused(MoveStock),
            Refused(MoveStock),
        ],
    ),
    (
        Payout::ExchangeUnapproved,
        [
            Moves(200),
            Moves(200),
            Refused(ManageOrders),
            Refused(Refund),
            Refused(ManageOrders),
        ],
    ),
    (
        Payout::ExchangeApproved,
        [
            Moves(200),
            Moves(200),
            Refused(ManageOrders),
            Moves(200),
            Refused(ManageOrders),
        ],
    ),
    (
        Payout::ApproveRefund,
        [
            Moves(200),
            Moves(200),
            Refused(Refund),
            Refused(Refund),
            Refused(Refund),
        ],
    ),
    (
        Payout::CancelOrder,
        [
            Moves(200),
            Moves(200),
            Refused(ManageOrders),
            Moves(200),
            Refused(ManageOrders),
        ],
    ),
];

/// TEE×1 at £18 with £3.60 tax, plus £4.79 shipping with tax.
const TEE_ORDER: i64 = 1800 + 360 + 479;

/// The small appeasement (£5) is within what support may give on it, the large (£10)
/// beyond.
const _: () =
    assert!(TEE_ORDER * APPEASEMENT_LIMIT_PERCENT / 100 > 500 && TEE_ORDER * APPEASEMENT_LIMIT_PERCENT / 100 < 1000);

/// One call to make: on which order, where, with what.
struct Call {
    order: String,
    path: String,
    body: Option<Value>,
}

struct Keys {
    manager: String,
    support: String,
}

impl TestApp {
    /// Channel `pos` (manual, captured on placement, refunds on receipt) and `pos_now`
    /// (the same, refunding on authorization); TEE at LON to sell and CAP to exchange for.
    async fn counter(&self) {
        self.till("pos", "manual", "on_placement").await;
        let r = self
            .post(
                "/api/v1/channels",
                json!({"code": "pos_now", "name": "pos_now", "kind": "web", "ship_from": ["LON"],
                       "payment_provider": "manual", "capture_mode": "on_placement", "refund_on": "authorization"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        self.receive("TEE", "LON", 200).await;
        self.product("CAP", 500).await;
        self.receive("CAP", "LON", 100).await;
    }

    /// The number of the newest order: another one after a call means it placed one.
    async fn newest_order(&self) -> Value {
        self.get("/api/v1/orders?limit=1").await.body["data"][0]["number"].clone()
    }

    /// A TEE sold on `channel`, paid at once; shipped from LON when `ship`.
    async fn sold(&self, channel: &str, external_id: &str, ship: bool) -> String {
        let r = self
            .post("/api/v1/orders", order(channel, external_id, &[("TEE", 1)]))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let n = number(&r.body);
        if ship {
            self.ship_from(&n, "LON").await;
        }
        n
    }

    /// A return of order `n`'s TEE, requested; authorized with `key` when given.
    async fn rma(&self, n: &str, authorized_with: Option<&str>) -> String {
        let lines = json!([{"line_no": 1, "quantity": 1, "reason": "changed_mind"}]);
        let r = self.post("/api/v1/returns", json!({"order": n, "lines": lines})).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let rma = r.body["number"].as_str().unwrap().to_owned();
        if let Some(key) = authorized_with {
            let path = format!("/api/v1/returns/{rma}/authorize");
            let r = self.send(Method::POST, &path, Some(key), Some(&json!({})), &[]).await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        rma
    }

    /// Sets up an order for `payout` and says what to call.
    async fn prepare(&self, payout: Payout, external_id: &str, keys: &Keys) -> Call {
        let goodwill = |amount| Some(json!({"amount": gbp(amount), "reason": "late_delivery"}));
        // Paid on placement: only claims and returns need the goods to have left.
        let n = match payout {
            Payout::AuthorizeRefundingReturn => self.sold("pos_now", external_id, true).await,
            Payout::Refund | Payout::SmallAppeasement | Payout::LargeAppeasement | Payout::CancelOrder => {
                self.sold("pos", external_id, false).await
            }
            _ => self.sold("pos", external_id, true).await,
        };
        let on_order = |action: &str| format!("/api/v1/orders/{n}/{action}");
        let (path, body) = match payout {
            Payout::Refund => (
                on_order("refunds"),
                Some(json!({"lines": [{"line_no": 1, "quantity": 1}], "reason": "return"})),
            ),
            Payout::SmallAppeasement => (on_order("appeasements"), goodwill(500)),
            Payout::LargeAppeasement => (on_order("appeasements"), goodwill(1000)),
            Payout::ClaimRefund => (
                on_order("claims"),
                Some(
                    json!({"reason": "item_missing", "resolution": "refund", "lines": [{"line_no": 1, "quantity": 1}]}),
                ),
            ),
            Payout::CancelOrder => (on_order("cancel"), Some(json!({}))),
            on_a_return => self.on_return(on_a_return, &n, keys).await,
        };
        Call { order: n, path, body }
    }

    /// Sets up a return of order `n` for `payout`: what to call on it.
    async fn on_return(&self, payout: Payout, n: &str, keys: &Keys) -> (String, Option<Value>) {
        let items = json!({"items": [{"sku": "TEE", "disposition": "restock"}]});
        let authorized_by = match payout {
            Payout::AuthorizeRefundingReturn => None,
            Payout::ReceiveApproved | Payout::ExchangeApproved => Some(keys.manager.as_str()),
            _ => Some(keys.support.as_str()),
        };
        let rma = self.rma(n, authorized_by).await;
        let on_return = |action: &str| format!("/api/v1/returns/{rma}/{action}");
        match payout {
            Payout::AuthorizeRefundingReturn => (on_return("authorize"), Some(json!({}))),
            Payout::ReceiveUnapproved | Payout::ReceiveApproved => (on_return("receive"), Some(items)),
            Payout::ExchangeUnapproved | Payout::ExchangeApproved => (
                on_return("exchange"),
                Some(json!({"lines": [{"sku": "CAP", "quantity": 1}]})),
            ),
            _ => {
                let r = self.post(&on_return("receive"), items).await;
                assert_eq!(r.status, 200, "{}", r.body);
                (on_return("refund"), None)
            }
        }
    }
}

fn refunded(payments: &Value) -> i64 {
    payments["totals"]["refunded"]["amount"].as_i64().unwrap()
}

/// How `r` and the money before and after differ from `expected`, if they do.
fn differs(expected: Answer, r: &Resp, before: &Value, after: &Value, orders: (Value, Value)) -> Option<String> {
    let moved = refunded(after) != refunded(before) || after["transactions"] != before["transactions"];
    let ok = match expected {
        Moves(status) => r.status == status && refunded(after) > refunded(before),
        Keeps(status) => r.status == status && !moved,
        Refused(permission) => {
            r.status == 403
                && r.body["code"] == "forbidden"
                && r.body["permission"] == permission.as_str()
                && !moved
                && orders.0 == orders.1
        }
    };
    (!ok).then(|| {
        format!(
            "{} with {} refunded after (was {}), newest order {} after (was {}): {}",
            r.status,
            refunded(after),
            refunded(before),
            orders.1,
            orders.0,
            r.body
        )
    })
}

async fn every_role_moves_only_the_money_its_permissions_allow(app: &TestApp) {
    app.counter().await;
    let mut keys = Vec::new();
    for role in Role::ALL {
        keys.push(app.key(*role).await);
    }
    let named = Keys {
        manager: app.key(Role::Manager).await,
        support: app.key(Role::Support).await,
    };
    let mut wrong = Vec::new();
    for (payout, answers) in TABLE {
        for ((role, key), expected) in Role::ALL.iter().zip(&keys).zip(answers) {
            let call = app.prepare(*payout, &format!("{payout:?}-{role}"), &named).await;
            let before = app.payments(&call.order).await;
            let orders = app.newest_order().await;
            let r = app
                .send(Method::POST, &call.path, Some(key), call.body.as_ref(), &[])
                .await;
            let after = app.payments(&call.order).await;
            if let Some(got) = differs(*expected, &r, &before, &after, (orders, app.newest_order().await)) {
                wrong.push(format!("{payout:?} as {role}: expected {expected:?}, got {got}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    app.assert_books_balance().await;
}

both!(every_role_moves_only_the_money_its_permissions_allow);
