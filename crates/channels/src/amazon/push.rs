//! What we tell Amazon: the quantity of a listing (Listings Items API
//! `patchListingsItem`, one call per SKU: the API has no batch of quantities outside
//! the Feeds API) and a shipment (`confirmShipment`).

use sha2::{Digest, Sha256};

use super::Amazon;
use super::client::Access;
use super::model::{
    Availability, ConfirmedItem, ListingPatch, ListingSubmission, PackageDetail, PatchOperation, ShipmentConfirmation,
};
use crate::{ChannelError, Fulfilment, StockPush};

/// The fulfilment channel of the seller's own stock (as opposed to Amazon's).
pub const SELLER_FULFILLED: &str = "DEFAULT";

/// Our carrier names as Amazon's `carrierCode`s; any other is sent as `Others` with
/// our name as `carrierName`.
const CARRIERS: [(&str, &str); 9] = [
    ("ups", "UPS"),
    ("usps", "USPS"),
    ("fedex", "FedEx"),
    ("dhl", "DHL"),
    ("dpd", "DPD"),
    ("royal_mail", "Royal Mail"),
    ("parcelforce", "Parcelforce"),
    ("hermes", "Hermes"),
    ("yamato", "Yamato Transport"),
];

impl Amazon {
    /// Sets the quantity the seller offers of one listing (its seller SKU).
    pub(super) async fn patch_quantity(&self, push: &StockPush) -> Result<(), ChannelError> {
        let marketplace = self.required("marketplace_id")?;
        let sku = push.listing.listing_id.as_str();
        let url = self.endpoint(&["listings", "2021-08-01", "items", self.required("seller_id")?, sku])?;
        let body = ListingPatch {
            product_type: "PRODUCT".into(),
            patches: vec![PatchOperation {
                op: "replace".into(),
                path: "/attributes/fulfillment_availability".into(),
                value: vec![Availability {
                    fulfillment_channel_code: SELLER_FULFILLED.into(),
                    quantity: push.quantity.max(0),
                }],
            }],
        };
        let query = [("marketplaceIds", marketplace)];
        let reply = self
            .call(Access::Plain, |c| c.patch(url.clone()).query(&query).json(&body))
            .await?;
        let submission: ListingSubmission = reply.json()?;
        if submission.status == "ACCEPTED" {
            Ok(())
        } else {
            let issues = serde_json::to_string(&submission.issues).unwrap_or_default();
            Err(ChannelError::Refused {
                status: reply.status.as_u16(),
                body: format!("{} for {sku}: {issues}", submission.status),
            })
        }
    }

    /// Confirms a shipment of an order's items with its carrier and tracking number.
    /// Amazon takes no tracking URL: it builds its own from the carrier.
    pub(super) async fn confirm_shipment(&self, f: &Fulfilment) -> Result<(), ChannelError> {
        let mut order_items = Vec::new();
        for line in &f.lines {
            let Some(id) = &line.external_id else {
                return Err(ChannelError::Config(format!(
                    "the line of SKU {} has no Amazon order item id: it did not come from Amazon",
                    line.sku
                )));
            };
            order_items.push(ConfirmedItem {
                order_item_id: id.clone(),
                quantity: line.quantity,
            });
        }
        let known = CARRIERS.iter().find(|(ours, _)| f.carrier.eq_ignore_ascii_case(ours));
        let body = ShipmentConfirmation {
            marketplace_id: self.required("marketplace_id")?.to_owned(),
            package_detail: PackageDetail {
                package_reference_id: package_reference(&f.shipment_id),
                carrier_code: known.map_or("Others", |(_, code)| code).to_owned(),
                carrier_name: known.is_none().then(|| f.carrier.clone()),
                shipping_method: f.service.clone(),
                tracking_number: f.tracking_number.clone(),
                ship_date: f.shipped_at.to_string(),
                order_items,
            },
        };
        let url = self.endpoint(&["orders", "v0", "orders", &f.external_id, "shipmentConfirmation"])?;
        self.call(Access::Plain, |c| c.post(url.clone()).json(&body)).await?;
        Ok(())
    }
}

/// Amazon's package reference must be a positive number: our shipment id when it is
/// one, else a stable number made from it (the same shipment is the same package).
pub fn package_reference(shipment_id: &str) -> String {
    if !shipment_id.is_empty()
        && shipment_id.bytes().all(|b| b.is_ascii_digit())
        && !shipment_id.trim_start_matches('0').is_empty()
    {
        return shipment_id.to_owned();
    }
    let digest = Sha256::digest(shipment_id.as_bytes());
    let mut eight = [0u8; 8];
    eight.copy_from_slice(&digest[..8]);
    // 53 bits: a positive number any JSON reader keeps exactly; never zero.
    ((u64::from_be_bytes(eight) >> 11) | 1).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_package_reference_is_a_stable_positive_number() {
        assert_eq!(package_reference("42"), "42");
        let made = package_reference("shp_01J8X9Y2Z3");
        assert!(made.parse::<u64>().unwrap() > 0);
        assert_eq!(made, package_reference("shp_01J8X9Y2Z3"), "stable");
        assert_ne!(made, package_reference("shp_01J8X9Y2Z4"));
        assert_ne!(package_reference("000"), "000", "zero is not positive");
    }
}
