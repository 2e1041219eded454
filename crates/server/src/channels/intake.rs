//! What a channel told us (a webhook or a poll, as `Notice`s) made into placements,
//! cancellations and refunds, through the same store calls as the API. Every path is
//! idempotent: an order is one order by channel and external id however often and
//! however it arrives, a cancellation of a cancelled order does nothing, and a refund
//! is recorded once per channel refund id.

use serde::Serialize;
use switchyard_channels::{ChannelError, ChannelRefund, Connector, Notice};
use switchyard_core::order::ChannelCancel;
use switchyard_store::{Store, StoreError};

/// What became of one notice.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Taken {
    /// The channel's order id, when the notice was about an order.
    #[schema(example = "450789469")]
    pub external_id: Option<String>,
    /// Our order number, once there is an order.
    #[schema(example = "SO-100001")]
    pub order: Option<String>,
    pub outcome: IntakeOutcome,
    /// Why, for a refused notice or an operator's attention.
    pub detail: Option<String>,
}

/// What a notice did.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IntakeOutcome {
    /// A new order was placed (on hold for stock, when it could not be served).
    Placed,
    /// The order was already here: nothing was placed again.
    Existing,
    Cancelled,
    /// The channel cancelled it, but work had started on the floor: held for an operator.
    Held,
    /// The channel cancelled it, and nothing could be done here: noted for an operator.
    Noted,
    /// A refund the channel paid was recorded.
    Refunded,
    /// Nothing to do: already cancelled, refund already recorded, a topic we do not take.
    Nothing,
    /// The notice could not be taken (an order that is not valid here, an unknown
    /// order): `detail` says why.
    Refused,
}

/// Takes `notices` from channel `channel`, each on its own: one that fails does not
/// stop the rest. `connector` fetches an order a notice only names.
pub async fn take(store: &Store, connector: &dyn Connector, channel: &str, notices: Vec<Notice>) -> Vec<Taken> {
    let actor = switchyard_core::connector::channel_actor(channel);
    let mut taken = Vec::with_capacity(notices.len());
    for notice in notices {
        match notice {
            Notice::Changed { external_id } => match connector.order(&external_id).await {
                Ok(fetched) => {
                    for notice in fetched.into_iter().filter(|n| !matches!(n, Notice::Changed { .. })) {
                        taken.push(take_one(store, channel, &actor, notice).await);
                    }
                }
                Err(e) => taken.push(refused(Some(external_id), None, &e.to_string())),
            },
            notice => taken.push(take_one(store, channel, &actor, notice).await),
        }
    }
    taken
}

async fn take_one(store: &Store, channel: &str, actor: &str, notice: Notice) -> Taken {
    match notice {
        Notice::Order(mut input) => {
            input.channel = Some(channel.to_owned());
            let external_id = input.external_id.clone();
            let draft = match input.parse() {
                Ok(draft) => draft,
                Err(errors) => {
                    let e = ChannelError::Unmappable {
                        external_id: external_id.clone().unwrap_or_default(),
                        errors,
                    };
                    return refused(external_id, None, &e.to_string());
                }
            };
            match store.place_order(&draft, actor).await {
                Ok(placement) => Taken {
                    external_id,
                    order: Some(placement.order.summary.number.clone()),
                    outcome: if placement.created {
                        IntakeOutcome::Placed
                    } else {
                        IntakeOutcome::Existing
                    },
                    detail: placement
                        .order
                        .summary
                        .hold
                        .as_ref()
                        .filter(|_| placement.created)
                        .map(|h| format!("on hold for {}", h.reason.as_str())),
                },
                Err(e) => refused(external_id, None, &describe(&e)),
            }
        }
        Notice::Cancelled { external_id, reason } => {
            let order = match store.order_by_external_id(channel, &external_id).await {
                Ok(order) => order,
                // An order the channel cancelled before we could take it (Amazon's
                // cancelled while still pending, with no price): nothing to cancel.
                // Refused, it would hold every later poll back on it for ever.
                Err(StoreError::NotFound { resource: "order", .. }) => {
                    return Taken {
                        external_id: Some(external_id),
                        order: None,
                        outcome: IntakeOutcome::Nothing,
                        detail: Some("no such order here: nothing to cancel".into()),
                    };
                }
                Err(e) => return refused(Some(external_id), None, &describe(&e)),
            };
            let number = order.summary.number.clone();
            match store
                .cancel_from_channel(order.summary.id.as_str(), reason.as_deref(), actor)
                .await
            {
                Ok(done) => Taken {
                    external_id: Some(external_id),
                    order: Some(number),
                    outcome: match done.outcome {
                        ChannelCancel::Cancel => IntakeOutcome::Cancelled,
                        ChannelCancel::Hold => IntakeOutcome::Held,
                        ChannelCancel::Note => IntakeOutcome::Noted,
                        ChannelCancel::Nothing => IntakeOutcome::Nothing,
                    },
                    detail: None,
                },
                Err(e) => refused(Some(external_id), Some(number), &describe(&e)),
            }
        }
        Notice::Refunded(ChannelRefund {
            external_id,
            refund_id,
            amount,
            reason,
        }) => {
            let order = match store.order_by_external_id(channel, &external_id).await {
                Ok(order) => order,
                Err(e) => return refused(Some(external_id), None, &describe(&e)),
            };
            let number = order.summary.number.clone();
            match store
                .refund_from_channel(order.summary.id.as_str(), &refund_id, amount, reason.as_deref(), actor)
                .await
            {
                Ok(done) => Taken {
                    external_id: Some(external_id),
                    order: Some(number),
                    outcome: if done.recorded.is_some() {
                        IntakeOutcome::Refunded
                    } else {
                        IntakeOutcome::Nothing
                    },
                    detail: done
                        .recorded
                        .filter(|recorded| *recorded != amount)
                        .map(|recorded| format!("{recorded} of the {amount} refunded: the rest was returned already")),
                },
                Err(e) => refused(Some(external_id), Some(number), &describe(&e)),
            }
        }
        Notice::Ignored { topic } => Taken {
            external_id: None,
            order: None,
            outcome: IntakeOutcome::Nothing,
            detail: Some(format!("{topic} is not taken")),
        },
        Notice::Changed { external_id } => refused(Some(external_id), None, "a change names another change"),
        Notice::Refused { external_id, reason } => refused(Some(external_id), None, &reason),
    }
}

fn refused(external_id: Option<String>, order: Option<String>, why: &str) -> Taken {
    Taken {
        external_id,
        order,
        outcome: IntakeOutcome::Refused,
        detail: Some(why.to_owned()),
    }
}

/// A store error as an operator reads it: field errors with their fields.
fn describe(e: &StoreError) -> String {
    match e {
        StoreError::Invalid(errors) => errors
            .iter()
            .map(|f| format!("{} {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        StoreError::InsufficientStock(lines) => format!(
            "not enough stock for {}",
            lines.iter().map(|l| l.sku.as_str()).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}
