//! The purchase-order rules: the lifecycle, receipts matched to lines, what is outstanding.

use proptest::prelude::*;

use super::*;

fn s(raw: &str) -> Option<String> {
    Some(raw.to_owned())
}

fn gbp(amount: i64) -> Option<Money> {
    Some(Money::new(amount, Currency::parse("GBP").unwrap()))
}

fn supplier(name: &str) -> Option<SupplierInput> {
    Some(SupplierInput {
        name: s(name),
        ..Default::default()
    })
}

fn po_line(sku: Option<&str>, quantity: i64, expected_at: Option<&str>) -> PurchaseOrderLineInput {
    PurchaseOrderLineInput {
        sku: sku.map(str::to_owned),
        quantity: Some(quantity),
        unit_cost: None,
        expected_at: expected_at.map(str::to_owned),
    }
}

fn receipt_line(line: Option<i64>, sku: Option<&str>, quantity: Option<i64>) -> ReceiptLineInput {
    ReceiptLineInput {
        line,
        sku: sku.map(str::to_owned),
        quantity,
    }
}

fn fields(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.field.as_str()).collect()
}

fn day(d: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + d * 86_400).unwrap()
}

fn line(line_no: i64, sku: &str, outstanding: i64, expected: i64) -> OpenLine {
    OpenLine {
        line_no,
        sku: sku.to_owned(),
        product_id: ProductId::new_at(day(0)),
        outstanding,
        expected_at: day(expected),
    }
}

fn receipt(lines: &[(ReceiptTarget, i64)]) -> ReceiptRequest {
    ReceiptRequest {
        lines: lines
            .iter()
            .map(|(t, q)| (t.clone(), Quantity::new(*q).unwrap()))
            .collect(),
        note: None,
    }
}

fn sku(s: &str) -> ReceiptTarget {
    ReceiptTarget::Sku(s.to_owned())
}

#[test]
fn every_status_and_action_has_one_answer() {
    use PurchaseOrderAction as A;
    use PurchaseOrderStatus as S;
    let actions = [
        A::Receive { completes: false },
        A::Receive { completes: true },
        A::Close,
        A::Cancel,
        A::Submit,
    ];
    let expected = |from, action| match (from, action) {
        (S::Draft, A::Submit) => Some(S::Open),
        (S::Draft, A::Cancel) => Some(S::Cancelled),
        (S::Open | S::PartiallyReceived, A::Receive { completes: false }) => Some(S::PartiallyReceived),
        (S::Open | S::PartiallyReceived, A::Receive { completes: true }) => Some(S::Received),
        (S::Open | S::PartiallyReceived, A::Close) => Some(S::Closed),
        (S::Open, A::Cancel) => Some(S::Cancelled),
        _ => None,
    };
    for from in S::ALL {
        for action in actions {
            assert_eq!(
                transition(*from, action).ok(),
                expected(*from, action),
                "{from} {action:?}"
            );
        }
    }
    assert!(expects_goods(S::Open) && expects_goods(S::PartiallyReceived));
    assert!(!expects_goods(S::Received) && !expects_goods(S::Closed) && !expects_goods(S::Cancelled));
    assert!(
        !expects_goods(S::Draft),
        "a draft was never sent: nothing is on its way"
    );
}

#[test]
fn cancelling_after_a_receipt_says_to_close_instead() {
    let err = transition(PurchaseOrderStatus::PartiallyReceived, PurchaseOrderAction::Cancel).unwrap_err();
    assert!(err.to_string().contains("close it"), "{err}");
    let err = transition(
        PurchaseOrderStatus::Closed,
        PurchaseOrderAction::Receive { completes: false },
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "cannot receive a purchase order that is closed");
}

#[test]
fn only_an_order_that_expects_goods_has_units_outstanding() {
    use PurchaseOrderStatus as S;
    assert_eq!(outstanding(S::Open, 10, 0), 10);
    assert_eq!(outstanding(S::PartiallyReceived, 10, 4), 6);
    assert_eq!(outstanding(S::Draft, 10, 0), 0);
    for done in [S::Received, S::Closed, S::Cancelled] {
        assert_eq!(outstanding(done, 10, 4), 0, "{done}");
    }
}

#[test]
fn closed_and_cancelled_orders_were_cut_short() {
    let short: Vec<_> = PurchaseOrderStatus::ALL.iter().filter(|s| cut_short(**s)).collect();
    assert_eq!(short, [&PurchaseOrderStatus::Closed, &PurchaseOrderStatus::Cancelled]);
}

#[test]
fn expected_times_are_dates_or_rfc3339_times() {
    assert_eq!(expected_time("2027-01-15").unwrap().to_string(), "2027-01-15T00:00:00Z");
    assert_eq!(
        expected_time("2027-01-15T09:30:00+01:00").unwrap().to_string(),
        "2027-01-15T08:30:00Z"
    );
    for bad in ["15/01/2027", "2027-02-30", "tomorrow", ""] {
        assert!(expected_time(bad).is_err(), "{bad}");
    }
}

#[test]
fn a_purchase_order_reports_every_bad_field_at_once() {
    let errors = PurchaseOrderInput {
        supplier: Some(SupplierInput {
            name: s(" "),
            reference: None,
            email: s("nobody"),
        }),
        location: s("L O N"),
        currency: s("POUNDS"),
        expected_at: s("soon"),
        lines: Some(vec![
            po_line(Some("MUG"), 0, Some("2027-13-01")),
            PurchaseOrderLineInput {
                unit_cost: gbp(-1),
                ..po_line(None, 5, None)
            },
        ]),
        notes: Some("x".repeat(4001)),
    }
    .parse()
    .unwrap_err();
    assert_eq!(
        fields(&errors),
        [
            "/supplier/name",
            "/supplier/email",
            "/location",
            "/currency",
            "/expected_at",
            "/lines/0/quantity",
            "/lines/0/expected_at",
            "/lines/1/sku",
            "/lines/1/unit_cost",
            "/notes",
        ]
    );
}

#[test]
fn a_purchase_order_needs_a_supplier_a_location_a_currency_and_lines() {
    let errors = PurchaseOrderInput::default().parse().unwrap_err();
    assert_eq!(fields(&errors), ["/supplier", "/location", "/currency", "/lines"]);
    let errors = PurchaseOrderInput {
        supplier: supplier("S"),
        location: s("LON"),
        currency: s("GBP"),
        lines: Some(vec![]),
        ..Default::default()
    }
    .parse()
    .unwrap_err();
    assert_eq!(fields(&errors), ["/lines"]);
}

#[test]
fn lines_take_the_orders_expected_date_and_currency() {
    let priced_mug = PurchaseOrderLineInput {
        unit_cost: gbp(450),
        ..po_line(Some("MUG"), 10, None)
    };
    let draft = PurchaseOrderInput {
        supplier: Some(SupplierInput {
            name: s("Fernhill"),
            reference: s("FC-1"),
            email: s("Orders@Fernhill.example"),
        }),
        location: s("LON"),
        currency: s("gbp"),
        expected_at: s("2027-01-15"),
        lines: Some(vec![
            priced_mug.clone(),
            po_line(Some("TEE"), 5, Some("2027-02-01T12:00:00Z")),
        ]),
        notes: None,
    }
    .parse()
    .unwrap();
    assert_eq!(draft.supplier.email.as_deref(), Some("orders@fernhill.example"));
    assert_eq!(draft.currency.as_str(), "GBP");
    assert_eq!(draft.lines[0].expected_at.to_string(), "2027-01-15T00:00:00Z");
    assert_eq!(draft.lines[1].expected_at.to_string(), "2027-02-01T12:00:00Z");
    assert_eq!(draft.lines[1].unit_cost, None);

    let errors = PurchaseOrderInput {
        supplier: supplier("Fernhill"),
        location: s("LON"),
        currency: s("EUR"),
        lines: Some(vec![priced_mug]),
        ..Default::default()
    }
    .parse()
    .unwrap_err();
    assert_eq!(fields(&errors), ["/lines/0/unit_cost", "/lines/0/expected_at"]);
    assert_eq!(errors[0].code, "currency_mismatch");
}

#[test]
fn a_receipt_names_each_line_by_number_or_sku() {
    let parse = |lines: Vec<ReceiptLineInput>| {
        PurchaseReceiptInput {
            lines: Some(lines),
            note: s("DN-1"),
        }
        .parse()
    };
    let ok = parse(vec![
        receipt_line(Some(2), None, Some(3)),
        receipt_line(None, Some("MUG"), Some(1)),
    ])
    .unwrap();
    assert_eq!(ok.lines[0].0, ReceiptTarget::Line(2));
    assert_eq!(ok.lines[1].0, sku("MUG"));
    assert_eq!(ok.note.as_deref(), Some("DN-1"));
    let errors = parse(vec![
        receipt_line(None, None, Some(3)),
        receipt_line(Some(1), Some("MUG"), Some(1)),
        receipt_line(None, Some("MUG"), Some(-1)),
        receipt_line(None, Some("MUG"), None),
    ])
    .unwrap_err();
    assert_eq!(
        fields(&errors),
        [
            "/lines/0/line",
            "/lines/1/sku",
            "/lines/2/quantity",
            "/lines/3/quantity"
        ]
    );
    assert_eq!(fields(&parse(vec![]).unwrap_err()), ["/lines"]);
}

#[test]
fn a_receipt_by_sku_fills_the_earliest_expected_line_first() {
    let lines = [line(1, "MUG", 10, 5), line(2, "MUG", 4, 2), line(3, "TEE", 6, 1)];
    let plan = plan_receipt(&lines, &receipt(&[(sku("MUG"), 6)])).unwrap();
    assert_eq!(
        plan.lines,
        [(1, Quantity::new(2).unwrap()), (2, Quantity::new(4).unwrap())]
    );
    assert!(!plan.completes);

    let plan = plan_receipt(
        &lines,
        &receipt(&[(sku("MUG"), 10), (ReceiptTarget::Line(1), 4), (sku("TEE"), 6)]),
    )
    .unwrap();
    assert_eq!(
        plan.lines,
        [
            (1, Quantity::new(10).unwrap()),
            (2, Quantity::new(4).unwrap()),
            (3, Quantity::new(6).unwrap())
        ]
    );
    assert!(plan.completes);

    let by_id = ReceiptTarget::Sku(lines[2].product_id.to_string());
    assert_eq!(plan_receipt(&lines, &receipt(&[(by_id, 1)])).unwrap().lines[0].0, 3);
}

#[test]
fn receiving_more_than_is_outstanding_is_refused_for_the_line_at_fault() {
    let lines = [line(1, "MUG", 10, 1), line(2, "TEE", 0, 1)];
    let errors = plan_receipt(
        &lines,
        &receipt(&[
            (sku("MUG"), 8),
            (ReceiptTarget::Line(1), 3),
            (sku("TEE"), 1),
            (ReceiptTarget::Line(9), 1),
            (sku("CAP"), 1),
        ]),
    )
    .unwrap_err();
    assert_eq!(
        fields(&errors),
        [
            "/lines/1/quantity",
            "/lines/2/quantity",
            "/lines/3/line",
            "/lines/4/sku"
        ]
    );
    assert_eq!(errors[0].code, "exceeds_outstanding");
    assert_eq!(errors[0].message, "is more than the 2 units of MUG still outstanding");
    assert_eq!(errors[2].code, "unknown_line");
}

proptest! {
    /// Whatever is received, no line gets more than it had outstanding, every accepted
    /// unit lands on a line, and the plan completes exactly when nothing is left.
    #[test]
    fn receipts_never_over_receive(
        outstanding in proptest::collection::vec((0i64..20, 0i64..4), 1..5),
        asks in proptest::collection::vec((0usize..6, any::<bool>(), 1i64..15), 1..6),
    ) {
        let skus = ["A", "B", "A", "C", "B"];
        let lines: Vec<OpenLine> = outstanding.iter().enumerate()
            .map(|(i, (n, d))| line(i as i64 + 1, skus[i], *n, *d)).collect();
        let request = receipt(&asks.iter().map(|(i, by_sku, q)| {
            let target = if *by_sku { sku(skus[i % skus.len()]) } else { ReceiptTarget::Line(*i as i64 + 1) };
            (target, *q)
        }).collect::<Vec<_>>());
        if let Ok(plan) = plan_receipt(&lines, &request) {
            let asked: i64 = asks.iter().map(|(_, _, q)| q).sum();
            prop_assert_eq!(plan.lines.iter().map(|(_, q)| q.get()).sum::<i64>(), asked);
            let mut left: Vec<i64> = lines.iter().map(|l| l.outstanding).collect();
            for (line_no, q) in &plan.lines {
                let k = (*line_no - 1) as usize;
                prop_assert!(q.get() <= left[k]);
                left[k] -= q.get();
            }
            prop_assert_eq!(plan.completes, left.iter().all(|n| *n == 0));
        }
    }
}

#[test]
fn a_receipt_may_have_as_many_lines_as_the_limit_and_no_more() {
    let many = |n: usize| PurchaseReceiptInput {
        lines: Some(vec![receipt_line(Some(1), None, Some(1)); n]),
        note: None,
    };
    assert_eq!(many(MAX_LINES).parse().map(|r| r.lines.len()), Ok(MAX_LINES));
    let errors = many(MAX_LINES + 1).parse().err().unwrap_or_default();
    assert_eq!(fields(&errors), ["/lines"]);
}
