//! Which changes are pushed back to the channel an order came from: its shipments
//! (with tracking) and the cancellations made here. What the channel did itself is not
//! pushed back to it (a cancellation it sent us), so nothing echoes.

use super::settings::Pushes;

/// The prefix of the actor a channel's own changes are made by (`channel:shop`).
pub const CHANNEL_ACTOR_PREFIX: &str = "channel:";

/// The actor a channel's own changes are recorded under.
pub fn channel_actor(code: &str) -> String {
    format!("{CHANNEL_ACTOR_PREFIX}{code}")
}

/// What is pushed to a channel about one of its orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelPush {
    /// A shipment left, with its carrier and tracking number.
    Fulfilment,
    /// The order, or a line of it, was cancelled here.
    Cancellation,
}

/// What the order event `topic`, made by `actor`, pushes to the order's channel, when
/// the connection's `pushes` say so.
pub fn push_for(topic: &str, actor: &str, pushes: Pushes) -> Option<ChannelPush> {
    let push = match topic {
        "order.shipped" => ChannelPush::Fulfilment,
        "order.cancelled" | "order.line_cancelled" => ChannelPush::Cancellation,
        _ => return None,
    };
    if actor.starts_with(CHANNEL_ACTOR_PREFIX) {
        return None;
    }
    let on = match push {
        ChannelPush::Fulfilment => pushes.fulfilments,
        ChannelPush::Cancellation => pushes.cancellations,
    };
    on.then_some(push)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipments_and_our_cancellations_are_pushed_when_on() {
        let all = Pushes::default();
        assert_eq!(push_for("order.shipped", "api-key", all), Some(ChannelPush::Fulfilment));
        assert_eq!(push_for("order.cancelled", "ann", all), Some(ChannelPush::Cancellation));
        assert_eq!(
            push_for("order.line_cancelled", "ann", all),
            Some(ChannelPush::Cancellation)
        );
        assert_eq!(push_for("order.placed", "ann", all), None);
        assert_eq!(push_for("order.delivered", "ann", all), None);
        assert_eq!(
            push_for("order.cancelled", &channel_actor("shop"), all),
            None,
            "the channel's own cancellation is not echoed back"
        );
        let off = Pushes {
            stock: true,
            fulfilments: false,
            cancellations: false,
        };
        assert_eq!(push_for("order.shipped", "ann", off), None);
        assert_eq!(push_for("order.cancelled", "ann", off), None);
    }
}
