//! After delivery: returns (clothes that do not fit come back most, with a change of
//! mind, damage, defects and the wrong item among the reasons), received at the
//! warehouse days later and restocked, quarantined or scrapped; and claims (damaged in
//! transit, the wrong item sent, an item missing), made good by a refund or a free
//! replacement that ships like any order.

use switchyard_core::auth::{Actor, Role};
use switchyard_core::order::LineStatus;
use switchyard_core::returns::{
    Authorization, ClaimInput, ClaimLineInput, ClaimReason, ClaimResolution, Disposition, ReturnInput, ReturnItemInput,
    ReturnLineInput, ReturnReason, ReturnReceiptInput,
};
use switchyard_store::order::Order;

use super::history::{History, SUPPORT, Task};

/// The desk that decides returns and claims: it may refund.
fn desk() -> Actor {
    Actor {
        name: SUPPORT.to_owned(),
        role: Role::Manager,
    }
}

/// Why a return comes back, by what it is (sizes for clothes), and how often, in percent.
fn return_reasons(sku: &str) -> [(ReturnReason, u64); 8] {
    let clothes = ["TEE", "HOOD", "SOCK", "CAP"].iter().any(|p| sku.starts_with(p));
    let (small, large, mind) = if clothes { (35, 25, 15) } else { (0, 0, 50) };
    [
        (ReturnReason::TooSmall, small),
        (ReturnReason::TooLarge, large),
        (ReturnReason::ChangedMind, mind),
        (ReturnReason::Damaged, if clothes { 8 } else { 15 }),
        (ReturnReason::Defective, if clothes { 6 } else { 12 }),
        (ReturnReason::WrongItem, if clothes { 5 } else { 10 }),
        (ReturnReason::NotAsDescribed, if clothes { 4 } else { 8 }),
        (ReturnReason::ArrivedLate, if clothes { 2 } else { 5 }),
    ]
}

/// Where a returned item goes: back on the shelf unless it is faulty or wrong.
fn disposition(reason: ReturnReason) -> Disposition {
    match reason {
        ReturnReason::Damaged | ReturnReason::Defective => Disposition::Scrap,
        ReturnReason::WrongItem | ReturnReason::NotAsDescribed => Disposition::Quarantine,
        _ => Disposition::Restock,
    }
}

/// The delivered lines of `order`: line number, SKU and units.
fn delivered(order: &Order) -> Vec<(i64, String, i64)> {
    order
        .lines
        .iter()
        .filter(|l| l.status == LineStatus::Delivered)
        .map(|l| (l.line_no, l.sku.clone(), l.quantity))
        .collect()
}

impl History<'_> {
    /// A delivery just completed: about one order in twelve comes back (clothes more
    /// often), about one in sixty is claimed against.
    pub(super) fn after_delivery(&mut self, order: String) {
        let roll = self.rng.below(1000);
        if roll < 85 {
            let minutes = (2 + self.rng.below(10) as i64) * 24 * 60;
            self.after_minutes(minutes, Task::Return(order));
        } else if roll < 102 {
            let minutes = (1 + self.rng.below(3) as i64) * 24 * 60 + self.rng.below(600) as i64;
            self.after_minutes(minutes, Task::Claim(order));
        }
    }

    /// The customer asks to return one delivered line (sometimes all of it), and the
    /// desk authorizes it; the parcel arrives days later, or never.
    pub(super) async fn request_return(&mut self, number: &str) -> anyhow::Result<()> {
        let Some(order) = self.allowed(self.store.order(number).await)? else {
            return Ok(());
        };
        let lines = delivered(&order);
        if lines.is_empty() {
            return Ok(());
        }
        let (line_no, sku, units) = lines[self.rng.below(lines.len() as u64) as usize].clone();
        let reasons = return_reasons(&sku);
        let reason = reasons[self.rng.weighted(&reasons.map(|(_, w)| w))].0;
        let quantity = if self.rng.below(3) == 0 { units } else { 1 };
        let input = ReturnInput {
            order: Some(number.to_owned()),
            lines: Some(vec![ReturnLineInput {
                line_no: Some(line_no),
                quantity: Some(quantity),
                reason: Some(reason),
                note: None,
            }]),
            customer_note: None,
        };
        let draft = input
            .parse()
            .map_err(|e| anyhow::anyhow!("demo return of {number}: {e:?}"))?;
        let Some(requested) = self.allowed(self.store.request_return(&draft, "customer").await)? else {
            return Ok(());
        };
        self.stats.returns += 1;
        let rma = requested.summary.number;
        let auth = Authorization {
            location: None,
            note: None,
        };
        if self
            .allowed(self.store.authorize_return(&rma, &auth, &desk()).await)?
            .is_none()
        {
            return Ok(());
        }
        if self.rng.below(10) != 0 {
            let minutes = (3 + self.rng.below(6) as i64) * 24 * 60 + self.rng.below(480) as i64;
            let items = vec![(sku, quantity, disposition(reason))];
            self.after_minutes(minutes, Task::ReceiveReturn { rma, items });
        }
        Ok(())
    }

    pub(super) async fn receive_return(
        &mut self,
        rma: &str,
        items: &[(String, i64, Disposition)],
    ) -> anyhow::Result<()> {
        let input = ReturnReceiptInput {
            items: Some(
                items
                    .iter()
                    .map(|(sku, quantity, disposition)| ReturnItemInput {
                        sku: Some(sku.clone()),
                        barcode: None,
                        quantity: Some(*quantity),
                        disposition: Some(*disposition),
                    })
                    .collect(),
            ),
            note: None,
        };
        let receipt = input
            .parse()
            .map_err(|e| anyhow::anyhow!("demo receipt of {rma}: {e:?}"))?;
        self.allowed(self.store.receive_return(rma, &receipt, "returns desk").await)?;
        Ok(())
    }

    /// The customer claims against a delivered line: damaged in transit, the wrong
    /// item, or an item missing; refunded or replaced free.
    pub(super) async fn claim(&mut self, number: &str) -> anyhow::Result<()> {
        let Some(order) = self.allowed(self.store.order(number).await)? else {
            return Ok(());
        };
        let lines = delivered(&order);
        if lines.is_empty() {
            return Ok(());
        }
        let (line_no, _, _) = lines[self.rng.below(lines.len() as u64) as usize];
        let (reason, note) = match self.rng.below(100) {
            0..=54 => (ClaimReason::DamagedInTransit, "arrived crushed; photos sent"),
            55..=84 => (ClaimReason::WrongItemSent, "another colour came"),
            _ => (ClaimReason::ItemMissing, "the parcel came without it"),
        };
        let resolution = if self.rng.below(5) < 3 {
            ClaimResolution::Replacement
        } else {
            ClaimResolution::Refund
        };
        let input = ClaimInput {
            reason: Some(reason),
            resolution: Some(resolution),
            lines: Some(vec![ClaimLineInput {
                line_no: Some(line_no),
                quantity: Some(1),
            }]),
            note: Some(note.to_owned()),
        };
        let draft = input
            .parse()
            .map_err(|e| anyhow::anyhow!("demo claim on {number}: {e:?}"))?;
        if self
            .allowed(self.store.file_claim(number, &draft, &desk()).await)?
            .is_some()
        {
            self.stats.claims += 1;
        }
        Ok(())
    }
}
