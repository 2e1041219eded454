//! Payments: who collects an order's money and when it is taken.

string_enum!(
    /// Who takes an order's money.
    PaymentProvider {
        /// Collected offline: invoices, cash or card at the point of sale.
        Manual = "manual",
        /// The marketplace collected it and pays the seller out.
        Channel = "channel",
        /// Deterministic outcomes for demos and tests.
        Test = "test",
    }
);

string_enum!(
    /// When an order's money is taken.
    CaptureMode {
        /// Authorized when placed; each shipment captures its share.
        OnShipment = "on_shipment",
        /// Captured in full when placed.
        OnPlacement = "on_placement",
    }
);
