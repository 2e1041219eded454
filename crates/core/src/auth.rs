//! Who may do what: roles, the permissions they grant, and the refusal that names the
//! permission a role lacks.

string_enum!(
    /// A role given to an API key or a user.
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
        /// Hold, release and cancel orders (and what cancelling gives back), ask for
        /// payment again, open returns and claims, authorize, reject and exchange returns.
        ManageOrders = "manage_orders",
        /// Release work to the floor, pick, pack, label and ship; record tracking events.
        Fulfil = "fulfil",
        /// Give money back: refunds, claims and returns refunded, exchanges that give
        /// money back, goodwill of any size.
        Refund = "refund",
        /// Give goodwill (appeasements), within `payment::APPEASEMENT_LIMIT_PERCENT` of
        /// what was captured unless the role may also refund.
        Appease = "appease",
        /// Create, change, disable and delete webhook endpoints, rotate their secrets,
        /// send them test events, see and retry their deliveries. Reading endpoints
        /// needs it too: their URLs often carry a receiver's own token, and their
        /// attempts show what the receiver answered.
        ManageWebhooks = "manage_webhooks",
        /// Say who may sign in and with which role: create users, change their role,
        /// disable them, end their sessions; create and revoke API keys; read the
        /// audit list. Only admins hold it, so no one gives themselves more rights.
        ManageAccess = "manage_access",
    }
);

impl Permission {
    /// What the permission lets its holder do, as a refusal says it.
    pub fn describe(self) -> &'static str {
        match self {
            Permission::Read => "read data",
            Permission::ManageCatalog => "change products, locations, channels or purchase orders",
            Permission::MoveStock => "move stock",
            Permission::PlaceOrders => "place orders",
            Permission::ManageOrders => "manage orders, returns and claims",
            Permission::Fulfil => "pick, pack or ship",
            Permission::Refund => "give money back",
            Permission::Appease => "give goodwill refunds",
            Permission::ManageWebhooks => "manage webhook endpoints",
            Permission::ManageAccess => "manage users and API keys",
        }
    }
}

/// A role asked for something its permissions do not cover; names the permission.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct Forbidden {
    pub role: Role,
    pub permission: Permission,
    pub detail: String,
}

impl Role {
    pub fn allows(self, permission: Permission) -> bool {
        use Permission as P;
        match self {
            Role::Admin => true,
            Role::Manager => permission != P::ManageAccess,
            Role::Warehouse => matches!(permission, P::Read | P::MoveStock | P::Fulfil),
            Role::Support => matches!(permission, P::Read | P::PlaceOrders | P::ManageOrders | P::Appease),
            Role::Viewer => matches!(permission, P::Read),
        }
    }

    /// `Ok` when the role grants `permission`; otherwise the refusal naming it.
    pub fn require(self, permission: Permission) -> Result<(), Forbidden> {
        if self.allows(permission) {
            Ok(())
        } else {
            Err(Forbidden {
                role: self,
                permission,
                detail: format!("the {self} role may not {}", permission.describe()),
            })
        }
    }
}

/// Who asks for a change: the name timelines and the ledger record, and the role whose
/// permissions the change is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    pub role: Role,
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
        assert!(Role::Manager.allows(Permission::ManageWebhooks));
        assert!(!Role::Viewer.allows(Permission::ManageWebhooks));
        assert!(!Role::Support.allows(Permission::ManageWebhooks));
    }

    /// The whole grant table, so a changed grant is a changed test.
    #[test]
    fn each_role_grants_exactly_its_permissions() {
        use Permission as P;
        let granted = |role: Role| -> Vec<Permission> { P::ALL.iter().copied().filter(|p| role.allows(*p)).collect() };
        assert_eq!(granted(Role::Admin), P::ALL);
        let all_but_access: Vec<Permission> = P::ALL.iter().copied().filter(|p| *p != P::ManageAccess).collect();
        assert_eq!(granted(Role::Manager), all_but_access);
        assert_eq!(granted(Role::Warehouse), [P::Read, P::MoveStock, P::Fulfil]);
        assert_eq!(
            granted(Role::Support),
            [P::Read, P::PlaceOrders, P::ManageOrders, P::Appease]
        );
        assert_eq!(granted(Role::Viewer), [P::Read]);
    }

    #[test]
    fn a_refusal_names_the_role_and_the_permission() {
        assert_eq!(Role::Manager.require(Permission::Refund), Ok(()));
        let refused = Role::Support.require(Permission::Refund).unwrap_err();
        assert_eq!((refused.role, refused.permission), (Role::Support, Permission::Refund));
        assert_eq!(refused.to_string(), "the support role may not give money back");
    }
}
