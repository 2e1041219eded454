//! The store's one error type: what went wrong in terms a caller can act on. Database
//! errors are classified here, once; the HTTP layer maps each variant to a status.

use switchyard_core::FieldError;
use switchyard_core::inventory::StockError;
use switchyard_core::order::TransitionError;
use switchyard_core::shipment::ShipmentTransitionError;

pub use switchyard_core::order::ShortLine;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{resource} {key:?} does not exist")]
    NotFound { resource: &'static str, key: String },
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("not enough stock for {} line(s)", .0.len())]
    InsufficientStock(Vec<ShortLine>),
    #[error("{sku} at {location}: {error}")]
    Stock {
        sku: String,
        location: String,
        error: StockError,
    },
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error(transparent)]
    ShipmentTransition(#[from] ShipmentTransitionError),
    #[error(transparent)]
    PurchaseTransition(#[from] switchyard_core::purchase::TransitionError),
    #[error(transparent)]
    ReturnTransition(#[from] switchyard_core::returns::ReturnTransitionError),
    /// A refund of more than is captured and not yet refunded; `remaining` is what is.
    #[error("{requested} is more than the {remaining} captured and not yet refunded")]
    RefundExceedsCaptured {
        requested: switchyard_core::Money,
        remaining: switchyard_core::Money,
    },
    /// The role asking (or whose approval it carries out) may not do this; names the
    /// permission.
    #[error(transparent)]
    Forbidden(#[from] switchyard_core::auth::Forbidden),
    /// Scans at the pack bench that do not match the shipment: each wrong item and count.
    #[error("the scans do not match shipment {shipment}")]
    ScanMismatch { shipment: String, errors: Vec<FieldError> },
    #[error("configuration: {0}")]
    Config(String),
    #[error("database: {0}")]
    Database(#[from] crate::db::DbError),
    /// The write's transaction did not commit (on SQLite it may have failed for
    /// another write committed with it); nothing of it was kept.
    #[error("the write did not commit: {0}")]
    NotCommitted(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Database(e.into())
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(e.into())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

impl StoreError {
    pub fn not_found(resource: &'static str, key: impl Into<String>) -> Self {
        StoreError::NotFound {
            resource,
            key: key.into(),
        }
    }

    pub fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        StoreError::Invalid(vec![FieldError {
            field: field.to_owned(),
            code,
            message: message.into(),
        }])
    }

    /// A transaction that lost a race and may simply run again: `is_retryable`, or a
    /// guarded update that found the row changed (`concurrent_update`).
    pub fn is_contention(&self) -> bool {
        self.is_retryable()
            || matches!(
                self,
                StoreError::Conflict {
                    code: "concurrent_update",
                    ..
                }
            )
    }

    /// A transient failure worth retrying: a serialisation failure or deadlock on
    /// PostgreSQL, or a busy SQLite database.
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Database(db) => {
                let code = db.code();
                matches!(code.as_deref(), Some("40001" | "40P01" | "5" | "6" | "517"))
            }
            _ => false,
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
