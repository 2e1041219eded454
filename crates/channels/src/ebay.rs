//! eBay: orders polled from the Sell Fulfillment API (`getOrders` by last-modified
//! date, offset pages), quantities pushed through the Sell Inventory API's bulk
//! price-and-quantity update (25 SKUs a call), shipments told as shipping
//! fulfilments with tracking, cancellations through the Post-Order API. Every call
//! carries an OAuth access token from the seller's refresh token.
//!
//! eBay orders come by polling only: eBay's order notifications are not a webhook
//! with a shared secret we can check, so `verify` refuses every notification
//! (`Forged`) and the poller's `orders_since` is how orders arrive.

mod client;
mod map;
mod model;

use std::collections::HashMap;

use jiff::Timestamp;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

pub use client::SCOPES;
use client::{Client, Scheme};
use model::{
    BulkPriceQuantity, BulkPriceQuantityResponse, CreateCancelRequest, LineItemReference, OfferQuantity, PriceQuantity,
    ShipToLocationAvailability, ShippingFulfillment,
};

use crate::http::Http;
use crate::{
    BoxFuture, Cancellation, ChannelError, ChannelStock, Connection, Connector, Fulfilment, Listing, Notice, StockPush,
};

/// SKUs one `bulkUpdatePriceQuantity` call may carry.
pub const BULK_MAX: usize = 25;
/// The reason a seller's cancellation gives when ours names none eBay knows.
const CANCEL_REASON: &str = "OUT_OF_STOCK_OR_CANNOT_FULFILL";

pub struct Ebay {
    client: Client,
}

impl Ebay {
    pub fn new(connection: Connection, http: Http) -> Ebay {
        Ebay {
            client: Client::new(connection, http),
        }
    }

    fn channel(&self) -> &str {
        &self.client.connection.channel
    }

    async fn push_chunk(&self, pushes: &[&StockPush]) -> Vec<Result<(), ChannelError>> {
        let mut requests: Vec<PriceQuantity> = Vec::new();
        for push in pushes {
            let offer = OfferQuantity {
                offer_id: push.listing.listing_id.clone(),
                available_quantity: push.quantity,
            };
            match requests.iter_mut().find(|r| r.sku == push.listing.sku) {
                Some(request) => {
                    request.ship_to_location_availability.quantity = Some(push.quantity);
                    request.offers.push(offer);
                }
                None => requests.push(PriceQuantity {
                    sku: push.listing.sku.clone(),
                    ship_to_location_availability: ShipToLocationAvailability {
                        quantity: Some(push.quantity),
                    },
                    offers: vec![offer],
                }),
            }
        }
        let body = BulkPriceQuantity { requests };
        let url = self
            .client
            .connection
            .url("/sell/inventory/v1/bulk_update_price_quantity");
        let answer = match self.client.call(Scheme::Bearer, |c| c.post(&url).json(&body)).await {
            Ok(reply) => reply.success().and_then(|r| r.json::<BulkPriceQuantityResponse>()),
            Err(e) => Err(e),
        };
        let answer = match answer {
            Ok(answer) => answer,
            Err(e) => return pushes.iter().map(|_| Err(e.clone())).collect(),
        };
        pushes
            .iter()
            .map(|push| {
                let listing = &push.listing;
                let response = answer
                    .responses
                    .iter()
                    .find(|r| {
                        r.offer_id.as_deref() == Some(listing.listing_id.as_str())
                            && r.sku.as_deref().is_none_or(|s| s == listing.sku)
                    })
                    .ok_or_else(|| {
                        ChannelError::Unreadable(format!(
                            "eBay's answer has no response for offer {}",
                            listing.listing_id
                        ))
                    })?;
                if (200..300).contains(&response.status_code) {
                    return Ok(());
                }
                let errors: Vec<String> = response
                    .errors
                    .iter()
                    .map(|e| {
                        format!(
                            "{} {}",
                            e.error_id.map(|i| i.to_string()).unwrap_or_default(),
                            e.message.as_deref().unwrap_or_default()
                        )
                    })
                    .collect();
                let body = errors.join("; ");
                let status = StatusCode::from_u16(response.status_code).unwrap_or(StatusCode::BAD_REQUEST);
                Err(if status.is_server_error() {
                    ChannelError::Unavailable(format!("{status}: {body}"))
                } else {
                    ChannelError::Refused {
                        status: status.as_u16(),
                        body,
                    }
                })
            })
            .collect()
    }

    /// The eBay line item ids of a shipment's lines: the ones the order came with,
    /// and, for a line without one, the order's line with that SKU.
    async fn line_items(&self, fulfilment: &Fulfilment) -> Result<Vec<LineItemReference>, ChannelError> {
        let mut by_sku: HashMap<String, String> = HashMap::new();
        if fulfilment.lines.iter().any(|l| l.external_id.is_none()) {
            let order = self
                .client
                .order(&fulfilment.external_id)
                .await?
                .ok_or_else(|| ChannelError::Refused {
                    status: 404,
                    body: format!("eBay has no order {}", fulfilment.external_id),
                })?;
            for line in order.line_items {
                if let Some(sku) = line.sku {
                    by_sku.entry(sku).or_insert(line.line_item_id);
                }
            }
        }
        fulfilment
            .lines
            .iter()
            .map(|line| {
                let id = line.external_id.clone().or_else(|| by_sku.get(&line.sku).cloned());
                id.map(|line_item_id| LineItemReference {
                    line_item_id,
                    quantity: line.quantity,
                })
                .ok_or_else(|| ChannelError::Config(format!("eBay's order has no line with SKU {}", line.sku)))
            })
            .collect()
    }
}

/// eBay's carrier code for a carrier as we name it (eBay's `ShippingCarrierCodeTypes`);
/// a carrier not in the list is sent as we name it.
pub fn carrier_code(carrier: &str) -> String {
    let code = match carrier.to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
        "usps" => "USPS",
        "ups" => "UPS",
        "fedex" => "FedEx",
        "dhl" | "dhl_express" => "DHL",
        "royal_mail" | "royalmail" => "RoyalMail",
        "parcelforce" => "ParcelForce",
        "dpd" => "DPD",
        "evri" | "hermes" => "Hermes",
        "yodel" => "Yodel",
        "gls" => "GLS",
        "deutsche_post" => "DeutschePost",
        "canada_post" => "CanadaPost",
        "australia_post" => "AustraliaPost",
        "tnt" => "TNT",
        _ => return carrier.to_owned(),
    };
    code.to_owned()
}

/// eBay's reason for a seller's cancellation, from ours.
fn cancel_reason(reason: Option<&str>) -> &'static str {
    match reason.map(str::to_ascii_lowercase).as_deref() {
        Some(r) if r.contains("customer") || r.contains("buyer") => "BUYER_ASKED_CANCEL",
        Some(r) if r.contains("address") => "ADDRESS_ISSUES",
        _ => CANCEL_REASON,
    }
}

impl Connector for Ebay {
    /// eBay orders come by polling: no notification is taken.
    fn verify(&self, _headers: &HeaderMap, _body: &[u8]) -> Result<(), ChannelError> {
        Err(ChannelError::Forged)
    }

    fn parse(&self, _headers: &HeaderMap, _body: &[u8]) -> Result<Vec<Notice>, ChannelError> {
        Err(ChannelError::Forged)
    }

    fn check(&self) -> BoxFuture<'_, Result<String, ChannelError>> {
        Box::pin(async move {
            let total = self.client.order_count().await?;
            let marketplace = self.client.connection.option("marketplace_id").unwrap_or("eBay");
            Ok(format!("eBay Fulfillment API reached ({marketplace}): {total} orders"))
        })
    }

    fn orders_since(&self, since: Timestamp) -> BoxFuture<'_, Result<Vec<Notice>, ChannelError>> {
        Box::pin(async move {
            let mut notices = Vec::new();
            for order in self.client.orders_since(since).await? {
                // One order we cannot take must not stop the others: it is told as
                // refused (its id and fields), so the poll asks for it again.
                match map::notices(self.channel(), &order) {
                    Ok(more) => notices.extend(more),
                    Err(e) => notices.push(Notice::unmappable(e)?),
                }
            }
            Ok(notices)
        })
    }

    fn order<'a>(&'a self, external_id: &'a str) -> BoxFuture<'a, Result<Vec<Notice>, ChannelError>> {
        Box::pin(async move {
            match self.client.order(external_id).await? {
                Some(order) => map::notices(self.channel(), &order),
                None => Err(ChannelError::Refused {
                    status: 404,
                    body: format!("eBay has no order {external_id}"),
                }),
            }
        })
    }

    fn listings(&self) -> BoxFuture<'_, Result<Vec<Listing>, ChannelError>> {
        Box::pin(async move {
            let mut listings = Vec::new();
            for sku in self.client.skus().await? {
                for offer in self.client.offers(&sku).await? {
                    listings.push(Listing {
                        sku: sku.clone(),
                        listing_id: offer.offer_id,
                        item_id: offer.listing.and_then(|l| l.listing_id),
                    });
                }
            }
            Ok(listings)
        })
    }

    fn push_stock<'a>(&'a self, pushes: &'a [StockPush]) -> BoxFuture<'a, Vec<Result<(), ChannelError>>> {
        Box::pin(async move {
            // Calls carry at most 25 SKUs; a SKU's offers go in the same call.
            let mut groups: Vec<Vec<usize>> = Vec::new();
            let mut by_sku: HashMap<&str, usize> = HashMap::new();
            for (i, push) in pushes.iter().enumerate() {
                match by_sku.get(push.listing.sku.as_str()) {
                    Some(&g) => groups[g].push(i),
                    None => {
                        by_sku.insert(&push.listing.sku, groups.len());
                        groups.push(vec![i]);
                    }
                }
            }
            let mut results: Vec<Option<Result<(), ChannelError>>> = pushes.iter().map(|_| None).collect();
            for call in groups.chunks(BULK_MAX) {
                let positions = call.concat();
                let chunk: Vec<&StockPush> = positions.iter().map(|&i| &pushes[i]).collect();
                for (i, result) in positions.into_iter().zip(self.push_chunk(&chunk).await) {
                    results[i] = Some(result);
                }
            }
            results
                .into_iter()
                .map(|r| r.unwrap_or_else(|| Err(ChannelError::Unreadable("no result for a push".into()))))
                .collect()
        })
    }

    fn stock<'a>(&'a self, listings: &'a [Listing]) -> BoxFuture<'a, Result<Vec<ChannelStock>, ChannelError>> {
        Box::pin(async move {
            let mut out = Vec::with_capacity(listings.len());
            for listing in listings {
                out.push(ChannelStock {
                    listing: listing.clone(),
                    quantity: self.client.quantity(&listing.sku).await?,
                });
            }
            Ok(out)
        })
    }

    fn push_fulfilment<'a>(&'a self, fulfilment: &'a Fulfilment) -> BoxFuture<'a, Result<(), ChannelError>> {
        Box::pin(async move {
            let body = ShippingFulfillment {
                line_items: self.line_items(fulfilment).await?,
                shipped_date: client::ebay_time(fulfilment.shipped_at),
                shipping_carrier_code: carrier_code(&fulfilment.carrier),
                tracking_number: fulfilment.tracking_number.clone(),
            };
            let url = self.client.url_with(
                "/sell/fulfillment/v1/order",
                &fulfilment.external_id,
                "/shipping_fulfillment",
            )?;
            self.client
                .call(Scheme::Bearer, |c| c.post(&url).json(&body))
                .await?
                .success()
                .map(|_| ())
        })
    }

    /// The Post-Order API cancels whole orders only: the cancellation's lines are not
    /// sent, and eBay cancels the order.
    fn push_cancellation<'a>(&'a self, cancellation: &'a Cancellation) -> BoxFuture<'a, Result<(), ChannelError>> {
        Box::pin(async move {
            let body = CreateCancelRequest {
                legacy_order_id: cancellation.external_id.clone(),
                cancel_reason: cancel_reason(cancellation.reason.as_deref()).to_owned(),
            };
            let url = self.client.connection.url("/post-order/v2/cancellation");
            self.client
                .call(Scheme::Iaf, |c| c.post(&url).json(&body))
                .await?
                .success()
                .map(|_| ())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carriers_get_ebay_codes() {
        assert_eq!(carrier_code("royal_mail"), "RoyalMail");
        assert_eq!(carrier_code("UPS"), "UPS");
        assert_eq!(carrier_code("fedex"), "FedEx");
        assert_eq!(carrier_code("Acme Freight"), "Acme Freight");
    }

    #[test]
    fn cancellations_get_ebay_reasons() {
        assert_eq!(cancel_reason(None), "OUT_OF_STOCK_OR_CANNOT_FULFILL");
        assert_eq!(cancel_reason(Some("customer_request")), "BUYER_ASKED_CANCEL");
        assert_eq!(cancel_reason(Some("bad address")), "ADDRESS_ISSUES");
        assert_eq!(cancel_reason(Some("stock")), "OUT_OF_STOCK_OR_CANNOT_FULFILL");
    }
}
