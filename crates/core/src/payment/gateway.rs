//! Payment providers behind one trait: what each is asked and what it answers. The
//! built-in providers decide locally and deterministically; the store asks them outside
//! any database transaction.

use std::time::Duration;

use super::{CaptureMode, PaymentProvider, TransactionKind};
use crate::money::Money;

/// What a provider is asked to do.
#[derive(Debug, Clone, Copy)]
pub struct GatewayRequest<'a> {
    pub kind: TransactionKind,
    pub amount: Money,
    /// The payment method's token, when the customer gave one.
    pub token: Option<&'a str>,
    /// Our id for the transaction; providers derive their reference from it.
    pub transaction: &'a str,
}

/// Why a provider did not approve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    /// The customer's bank or the provider said no; retry with another method.
    #[error("declined: {0}")]
    Declined(String),
    /// The provider failed to answer; the same request may be retried.
    #[error("payment provider error: {0}")]
    Provider(String),
}

/// A payment provider. Every request is first recorded as pending in the transaction
/// of the change that needs it; the store asks the provider after that commit, never
/// inside a database transaction, and records the answer in a second one. The request's
/// `transaction` id is the provider's idempotency key: asking again after a crash gets
/// the first answer back, never a second charge.
pub trait PaymentGateway: Send + Sync {
    /// Performs `request`; answers the provider's reference for it.
    fn execute(&self, request: &GatewayRequest<'_>) -> Result<String, GatewayError>;

    /// How long the provider takes to answer `request`, when that is not at once.
    fn latency(&self, _request: &GatewayRequest<'_>) -> Option<Duration> {
        None
    }
}

/// The longest answer time a `tok_slow_<ms>` token asks for.
pub const SLOWEST_TEST_ANSWER: Duration = Duration::from_secs(30);

/// Offline money (invoices, cash or card at a till): everything is approved and
/// recorded; the reference is ours.
#[derive(Debug, Default)]
pub struct ManualGateway;

impl PaymentGateway for ManualGateway {
    fn execute(&self, request: &GatewayRequest<'_>) -> Result<String, GatewayError> {
        Ok(format!("manual_{}", request.transaction))
    }
}

/// The marketplace collected the money: its capture at placement and its refunds are
/// recorded, never asked of anyone.
#[derive(Debug, Default)]
pub struct ChannelGateway;

impl PaymentGateway for ChannelGateway {
    fn execute(&self, request: &GatewayRequest<'_>) -> Result<String, GatewayError> {
        Ok(format!("channel_{}", request.transaction))
    }
}

/// Deterministic outcomes for demos and tests. Authorizations and refunds: the token
/// `tok_decline` is declined and `tok_error` fails; an amount whose minor units end in
/// 51 is declined, in 52 fails; anything else is approved. Captures and voids of an
/// approved authorization are always approved. The token `tok_slow_<ms>` (e.g.
/// `tok_slow_2000`) is approved like any other, after `<ms>` milliseconds (at most 30 s),
/// the way a card processor on the network answers.
#[derive(Debug, Default)]
pub struct TestGateway;

impl PaymentGateway for TestGateway {
    fn latency(&self, request: &GatewayRequest<'_>) -> Option<Duration> {
        let ms: u64 = request.token?.strip_prefix("tok_slow_")?.parse().ok()?;
        Some(Duration::from_millis(ms).min(SLOWEST_TEST_ANSWER))
    }

    fn execute(&self, request: &GatewayRequest<'_>) -> Result<String, GatewayError> {
        if matches!(request.kind, TransactionKind::Authorization | TransactionKind::Refund) {
            match (request.token, request.amount.amount % 100) {
                (Some("tok_decline"), _) => return Err(GatewayError::Declined("card declined (tok_decline)".into())),
                (Some("tok_error"), _) => {
                    return Err(GatewayError::Provider("processor unavailable (tok_error)".into()));
                }
                (_, 51) => {
                    return Err(GatewayError::Declined(format!(
                        "{} declined (ends in 51)",
                        request.amount
                    )));
                }
                (_, 52) => {
                    return Err(GatewayError::Provider(format!(
                        "{} failed (ends in 52)",
                        request.amount
                    )));
                }
                _ => {}
            }
        }
        Ok(format!("test_{}", request.transaction))
    }
}

impl PaymentProvider {
    /// The implementation behind this provider.
    pub fn gateway(self) -> &'static dyn PaymentGateway {
        match self {
            PaymentProvider::Manual => &ManualGateway,
            PaymentProvider::Channel => &ChannelGateway,
            PaymentProvider::Test => &TestGateway,
        }
    }

    /// Whether the money is captured at placement whatever the channel's capture mode
    /// says: a marketplace has already collected it.
    pub fn captures_at_placement(self, mode: CaptureMode) -> bool {
        self == PaymentProvider::Channel || mode == CaptureMode::OnPlacement
    }
}
