//! Cancellations go to Amazon as a feed: Orders API v0 has no cancel call for
//! seller-fulfilled orders, the order acknowledgement feed
//! (`POST_ORDER_ACKNOWLEDGEMENT_DATA`) with `StatusCode` `Failure` cancels them. A feed
//! is sent in three steps (Feeds API 2021-06-30): create a feed document (Amazon answers
//! where to upload it), upload the XML there (a presigned address on another host: no
//! token is sent with it), then create the feed naming the document. Amazon processes
//! it later; a refusal of its content shows in the feed's processing report on Seller
//! Central, not here.

use super::Amazon;
use super::client::Access;
use crate::{Cancellation, ChannelError};

pub const ACKNOWLEDGEMENT_FEED: &str = "POST_ORDER_ACKNOWLEDGEMENT_DATA";
const CONTENT_TYPE: &str = "text/xml; charset=UTF-8";

/// Amazon's cancel reasons; a reason of ours that is one of them is sent as it is.
const REASONS: [&str; 10] = [
    "NoInventory",
    "ShippingAddressUndeliverable",
    "CustomerExchange",
    "BuyerCanceled",
    "GeneralAdjustment",
    "CarrierCreditDecision",
    "RiskAssessmentInformationNotValid",
    "CarrierCoverageFailure",
    "CustomerReturn",
    "MerchandiseNotReceived",
];

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct FeedDocument {
    feed_document_id: String,
    url: String,
}

impl Amazon {
    /// Sends the cancellation as an order acknowledgement feed.
    pub(super) async fn send_cancellation(&self, cancellation: &Cancellation) -> Result<(), ChannelError> {
        let marketplace = self.required("marketplace_id")?;
        let xml = acknowledgement(self.required("seller_id")?, cancellation)?;
        let documents = self.endpoint(&["feeds", "2021-06-30", "documents"])?;
        let request = serde_json::json!({ "contentType": CONTENT_TYPE });
        let reply = self
            .call(Access::Plain, |c| c.post(documents.clone()).json(&request))
            .await?;
        let document: FeedDocument = reply.json()?;
        self.http
            .send(|c| {
                c.put(&document.url)
                    .header(reqwest::header::CONTENT_TYPE, CONTENT_TYPE)
                    .body(xml.clone())
            })
            .await?
            .success()?;
        let feeds = self.endpoint(&["feeds", "2021-06-30", "feeds"])?;
        let feed = serde_json::json!({
            "feedType": ACKNOWLEDGEMENT_FEED,
            "marketplaceIds": [marketplace],
            "inputFeedDocumentId": document.feed_document_id,
        });
        self.call(Access::Plain, |c| c.post(feeds.clone()).json(&feed)).await?;
        Ok(())
    }
}

/// Amazon's cancel reason for ours: one of Amazon's as given, the customer's request
/// as `BuyerCanceled`, a shortage as `NoInventory`, anything else `GeneralAdjustment`.
pub fn cancel_reason(reason: Option<&str>) -> &'static str {
    let reason = reason.unwrap_or("").trim();
    if let Some(known) = REASONS.iter().find(|r| r.eq_ignore_ascii_case(reason)) {
        return known;
    }
    match reason {
        "customer_request" => "BuyerCanceled",
        "stock" | "out_of_stock" => "NoInventory",
        _ => "GeneralAdjustment",
    }
}

/// The acknowledgement feed cancelling the order (no `Item`: all of it) or its lines.
pub fn acknowledgement(seller_id: &str, c: &Cancellation) -> Result<String, ChannelError> {
    let reason = cancel_reason(c.reason.as_deref());
    let mut items = String::new();
    for line in &c.lines {
        let Some(id) = &line.external_id else {
            return Err(ChannelError::Config(format!(
                "the line of SKU {} has no Amazon order item id: it did not come from Amazon",
                line.sku
            )));
        };
        items.push_str(&format!(
            "\n      <Item>\n        <AmazonOrderItemCode>{}</AmazonOrderItemCode>\n        \
             <CancelReason>{reason}</CancelReason>\n      </Item>",
            escape(id)
        ));
    }
    Ok(format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">
  <Header>
    <DocumentVersion>1.01</DocumentVersion>
    <MerchantIdentifier>{}</MerchantIdentifier>
  </Header>
  <MessageType>OrderAcknowledgement</MessageType>
  <Message>
    <MessageID>1</MessageID>
    <OrderAcknowledgement>
      <AmazonOrderID>{}</AmazonOrderID>
      <StatusCode>Failure</StatusCode>{items}
    </OrderAcknowledgement>
  </Message>
</AmazonEnvelope>
"#,
        escape(seller_id),
        escape(&c.external_id)
    ))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FulfilledLine;

    #[test]
    fn reasons_become_amazons() {
        assert_eq!(cancel_reason(Some("noinventory")), "NoInventory");
        assert_eq!(cancel_reason(Some("customer_request")), "BuyerCanceled");
        assert_eq!(cancel_reason(Some("stock")), "NoInventory");
        assert_eq!(cancel_reason(Some("changed my mind")), "GeneralAdjustment");
        assert_eq!(cancel_reason(None), "GeneralAdjustment");
    }

    #[test]
    fn a_whole_order_is_cancelled_without_items_and_lines_with_them() {
        let whole = Cancellation {
            external_id: "902-1<2>".into(),
            lines: Vec::new(),
            reason: None,
        };
        let xml = acknowledgement("A3TH9S8BH6GOGM", &whole).unwrap();
        assert!(xml.contains("<MerchantIdentifier>A3TH9S8BH6GOGM</MerchantIdentifier>"));
        assert!(xml.contains("<AmazonOrderID>902-1&lt;2&gt;</AmazonOrderID>"), "escaped");
        assert!(xml.contains("<StatusCode>Failure</StatusCode>\n    </OrderAcknowledgement>"));
        assert!(!xml.contains("<Item>"));
        let part = Cancellation {
            lines: vec![FulfilledLine {
                external_id: Some("68828574383266".into()),
                sku: "CBA_OTF_1".into(),
                quantity: 1,
            }],
            reason: Some("stock".into()),
            ..whole.clone()
        };
        let xml = acknowledgement("A3TH9S8BH6GOGM", &part).unwrap();
        assert!(xml.contains(
            "<Item>\n        <AmazonOrderItemCode>68828574383266</AmazonOrderItemCode>\n        \
             <CancelReason>NoInventory</CancelReason>\n      </Item>"
        ));
        let unknown = Cancellation {
            lines: vec![FulfilledLine {
                external_id: None,
                sku: "X".into(),
                quantity: 1,
            }],
            ..whole
        };
        assert!(matches!(acknowledgement("S", &unknown), Err(ChannelError::Config(_))));
    }
}
