use switchyard_core::mail::EmailKind;
use switchyard_core::order::LineStatus;

use super::templates::DEFAULTS;
use super::view::*;
use super::*;

fn item(title: &str) -> ItemView {
    ItemView {
        sku: "TEE-BLA-M".into(),
        title: title.into(),
        quantity: 2,
    }
}

fn line() -> LineView {
    LineView {
        sku: "TEE-BLA-M".into(),
        title: "Tee <black>".into(),
        quantity: 2,
        unit_price: "18.00 GBP".into(),
        total: "36.00 GBP".into(),
        status: LineStatus::Backordered,
        expected_on: Some("2026-12-20".into()),
    }
}

/// A view with every section, as the richest email of each kind sees it.
fn full(kind: EmailKind) -> View {
    View {
        kind,
        shop: "Tee & Co".into(),
        order: OrderView {
            number: "SO-100001".into(),
            placed_on: "2026-12-06".into(),
            customer_name: "Ann Lee".into(),
            lines: vec![line()],
            subtotal: "36.00 GBP".into(),
            discount: "0.00 GBP".into(),
            tax: "6.00 GBP".into(),
            shipping: "4.00 GBP".into(),
            total: "40.00 GBP".into(),
            ship_to: vec!["Ann Lee".into(), "1 High St".into(), "London".into(), "GB".into()],
            status_url: Some("https://teeshop.example/orders/status/abc.def".into()),
        },
        shipment: Some(ShipmentView {
            number: "SO-100001-1".into(),
            carrier: Some("Royal Mail".into()),
            tracking_number: Some("RM123".into()),
            tracking_url: Some("https://track.example/?n=RM123&x=1".into()),
            items: vec![item("Tee <black>")],
            promised_on: Some("2026-12-09".into()),
        }),
        backordered: vec![line()],
        cancelled: Some(CancelledView {
            whole: false,
            reason: Some("out of stock".into()),
            items: vec![item("Tee")],
        }),
        refund: Some(RefundView {
            amount: "18.00 GBP".into(),
            reason: "return".into(),
            items: vec![item("Tee")],
            shipping: true,
        }),
        return_: Some(ReturnView {
            number: "RMA-100001".into(),
            items: vec![item("Tee")],
            send_to: vec!["Returns".into(), "London".into()],
            complete: true,
            label: Some("return-label-RMA-100001.pdf".into()),
        }),
        exchange: Some(ExchangeView {
            return_number: "RMA-100001".into(),
        }),
        payment: Some(PaymentView {
            note: Some("card declined".into()),
        }),
        feedback: Some(FeedbackView {
            link: "https://teeshop.example/feedback/abc.def".into(),
            unsubscribe: "https://teeshop.example/feedback/abc.def/unsubscribe".into(),
            until: "2027-01-05".into(),
        }),
    }
}

/// A view with only the order, as a preview before the step happened sees it.
fn bare(kind: EmailKind) -> View {
    let full = full(kind);
    View::about(kind, full.shop, full.order)
}

#[test]
fn every_kind_has_a_subject_a_text_and_an_html_template_built_in() {
    for kind in EmailKind::ALL {
        for suffix in ["subject", "txt", "html"] {
            let name = format!("{kind}.{suffix}");
            assert!(DEFAULTS.iter().any(|(n, _)| *n == name), "{name}");
        }
    }
}

#[test]
fn every_default_template_renders_with_every_section_and_with_none() {
    let templates = Templates::default();
    for kind in EmailKind::ALL {
        for view in [full(*kind), bare(*kind)] {
            let rendered = templates.render(&view).unwrap_or_else(|e| panic!("{kind}: {e}"));
            assert!(
                rendered.subject.contains("SO-100001") || *kind == EmailKind::ReturnReceived,
                "{kind}"
            );
            assert!(rendered.text.starts_with("Hello Ann Lee,"), "{kind}");
            assert!(rendered.html.contains("Hello Ann Lee,"), "{kind}");
        }
    }
}

#[test]
fn the_shipped_email_names_the_carrier_the_tracking_link_and_the_parcel_s_items() {
    let rendered = Templates::default().render(&full(EmailKind::Shipped)).unwrap();
    assert_eq!(rendered.subject, "Order SO-100001 has shipped");
    assert!(rendered.text.contains("with Royal Mail, tracking number RM123"));
    assert!(rendered.text.contains("Track it: https://track.example/?n=RM123&x=1"));
    assert!(rendered.text.contains("- 2 x Tee <black> (TEE-BLA-M)"));
    // HTML escapes what it shows, the text part does not.
    assert!(rendered.html.contains("RM123&amp;x=1"));
    assert!(rendered.html.contains("Tee &lt;black&gt;"));
    assert!(rendered.html.contains("Tee &amp; Co"));
    assert!(
        rendered
            .text
            .contains("See your order online: https://teeshop.example/orders/status/abc.def")
    );
    assert!(
        rendered.html.contains("abc.def\">See your order online</a>"),
        "{}",
        rendered.html
    );
}

#[test]
fn a_backorder_email_gives_the_expected_date_and_a_refund_email_the_amount_and_why() {
    let templates = Templates::default();
    let backordered = templates.render(&full(EmailKind::Backordered)).unwrap();
    assert!(backordered.text.contains("2 x Tee <black>, expected 2026-12-20"));
    let refund = templates.render(&full(EmailKind::RefundIssued)).unwrap();
    assert_eq!(refund.subject, "Refund of 18.00 GBP for order SO-100001");
    assert!(refund.text.contains("We have refunded 18.00 GBP for return."));
    assert!(refund.text.contains("It includes shipping."));
}

#[test]
fn a_template_in_the_directory_replaces_the_default_of_its_name_only() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("shipped.subject"),
        "{{ shop }}: {{ order.number }} is on its way",
    )
    .unwrap();
    let templates = Templates::new(Some(dir.path().to_owned()));
    let rendered = templates.render(&full(EmailKind::Shipped)).unwrap();
    assert_eq!(rendered.subject, "Tee & Co: SO-100001 is on its way");
    assert!(rendered.text.contains("Track it:"));
}

#[test]
fn a_template_that_fails_names_itself_and_why() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("delivered.txt"), "{{ order.nubmer }}").unwrap();
    std::fs::write(dir.path().join("shipped.html"), "{% if %}").unwrap();
    std::fs::write(dir.path().join("cancelled.subject"), "Line one\u{202e}").unwrap();
    let templates = Templates::new(Some(dir.path().to_owned()));
    let unknown = templates.render(&full(EmailKind::Delivered)).unwrap_err();
    assert_eq!(unknown.name, "delivered.txt");
    assert!(unknown.reason.contains("undefined"), "{}", unknown.reason);
    let syntax = templates.render(&full(EmailKind::Shipped)).unwrap_err();
    assert_eq!(syntax.name, "shipped.html");
    assert!(syntax.reason.contains("syntax"), "{}", syntax.reason);
    let subject = templates.render(&full(EmailKind::Cancelled)).unwrap_err();
    assert_eq!(subject.name, "cancelled.subject");
    assert!(
        subject
            .to_string()
            .starts_with("template cancelled.subject: the subject must not contain")
    );
}

#[tokio::test]
async fn the_mail_settings_are_checked_when_the_server_starts() {
    let config = |url: &str, from: Option<&str>| MailConfig {
        smtp_url: Some(url.into()),
        from: from.map(str::to_owned),
        templates: None,
        public_url: None,
    };
    assert!(Mail::new(config("smtp://127.0.0.1:2525", Some("shop@example.com"))).is_ok());
    assert!(Mail::new(MailConfig::default()).is_ok());
    let refused = |c| Mail::new(c).err().map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(
        refused(config("smtp://127.0.0.1:2525", None)),
        "--mail-from is required with --smtp-url"
    );
    assert!(refused(config("smtp://127.0.0.1:2525", Some("not an address"))).starts_with("--mail-from"));
    assert!(refused(config("nonsense", Some("shop@example.com"))).starts_with("--smtp-url"));
    let missing = MailConfig {
        templates: Some("/nonexistent/templates".into()),
        ..MailConfig::default()
    };
    assert!(refused(missing).starts_with("--mail-templates"));
    for (url, ok) in [
        ("https://shop.example.com/", true),
        ("http://127.0.0.1:8080", true),
        ("shop.example.com", false),
        ("ftp://shop.example.com", false),
    ] {
        let config = MailConfig {
            public_url: Some(url.into()),
            ..MailConfig::default()
        };
        assert_eq!(Mail::new(config).is_ok(), ok, "{url}");
    }
}
