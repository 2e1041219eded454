//! Asking a payment provider, outside any database transaction. Each request carries
//! our id for it, which the provider keeps as its idempotency key: asked again (after
//! a crash, or by the sweep while a slow first answer is still on its way) it answers
//! what it answered the first time and performs nothing twice. The built-in providers
//! decide in core (`PaymentGateway`); this is where their answer takes its time, and
//! where the processor behind them remembers what it performed.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, OnceLock};

use switchyard_core::money::Money;
use switchyard_core::payment::{GatewayError, GatewayRequest, PaymentProvider, TransactionKind};

/// How many answers the processor remembers (the oldest are forgotten first).
const REMEMBERED: usize = 100_000;

/// One request a provider performed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Performed {
    pub provider: PaymentProvider,
    /// Our id for the request: the idempotency key.
    pub request: String,
    pub kind: TransactionKind,
    pub amount: Money,
}

/// What the providers performed, in order, with their answers by request id.
#[derive(Default)]
struct Processor {
    answers: HashMap<(PaymentProvider, String), Result<String, GatewayError>>,
    performed: VecDeque<Performed>,
}

fn processor() -> MutexGuard<'static, Processor> {
    static PROCESSOR: OnceLock<Mutex<Processor>> = OnceLock::new();
    PROCESSOR
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Asks `provider` to perform `request`. The provider takes the request (and performs
/// it, once per id) at once; its answer arrives after its latency, as a networked
/// provider's would, while no transaction is open.
pub(crate) async fn ask(provider: PaymentProvider, request: &GatewayRequest<'_>) -> Result<String, GatewayError> {
    let gateway = provider.gateway();
    let key = (provider, request.transaction.to_owned());
    let (answer, replay) = {
        let mut p = processor();
        match p.answers.get(&key) {
            Some(answer) => (answer.clone(), true),
            None => {
                let answer = gateway.execute(request);
                p.answers.insert(key, answer.clone());
                p.performed.push_back(Performed {
                    provider,
                    request: request.transaction.to_owned(),
                    kind: request.kind,
                    amount: request.amount,
                });
                while p.performed.len() > REMEMBERED {
                    if let Some(old) = p.performed.pop_front() {
                        p.answers.remove(&(old.provider, old.request));
                    }
                }
                (answer, false)
            }
        }
    };
    if !replay && let Some(latency) = gateway.latency(request) {
        tokio::time::sleep(latency).await;
    }
    answer
}

/// Everything the providers performed in this process, oldest first (a request asked
/// again is not performed again, so it appears once).
pub fn performed() -> Vec<Performed> {
    processor().performed.iter().cloned().collect()
}
