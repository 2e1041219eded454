//! Who may do what: roles and the permissions they grant.

string_enum!(
    /// A role given to an API key (and later to a user).
    Role {
        Admin = "admin",
        Manager = "manager",
        Warehouse = "warehouse",
        Support = "support",
        Viewer = "viewer",
    }
);

string_enum!(
    /// Something a request needs the right to do.
    Permission {
        /// Read anything.
        Read = "read",
        /// Create, change and archive products, locations and channels.
        ManageCatalog = "manage_catalog",
        /// Receive, adjust, count and transfer stock.
        MoveStock = "move_stock",
        /// Place orders.
        PlaceOrders = "place_orders",
        /// Hold, release and cancel orders.
        ManageOrders = "manage_orders",
        /// Release work to the floor, pick, pack, label and ship; record tracking events.
        Fulfil = "fulfil",
        /// Give money back by line, shipping or amount.
        Refund = "refund",
        /// Give a goodwill (appeasement) refund: support may, up to what is refundable.
        Appease = "appease",
    }
);

impl Role {
    pub fn allows(self, permission: Permission) -> bool {
        use Permission as P;
        match self {
            Role::Admin | Role::Manager => true,
            Role::Warehouse => matches!(permission, P::Read | P::MoveStock | P::Fulfil),
            Role::Support => matches!(permission, P::Read | P::PlaceOrders | P::ManageOrders | P::Appease),
            Role::Viewer => matches!(permission, P::Read),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewers_only_read_and_warehouse_staff_move_stock() {
        assert!(Role::Viewer.allows(Permission::Read));
        assert!(!Role::Viewer.allows(Permission::PlaceOrders));
        assert!(Role::Warehouse.allows(Permission::MoveStock));
        assert!(!Role::Warehouse.allows(Permission::ManageOrders));
        assert!(Role::Support.allows(Permission::ManageOrders));
        assert!(!Role::Support.allows(Permission::MoveStock));
        assert!(Role::Warehouse.allows(Permission::Fulfil));
        assert!(!Role::Support.allows(Permission::Fulfil));
        assert!(Role::Support.allows(Permission::Appease));
        assert!(!Role::Support.allows(Permission::Refund));
        assert!(Role::Manager.allows(Permission::Refund));
        assert!(!Role::Warehouse.allows(Permission::Appease));
    }
}
