//! The quantity of a SKU a channel is offered: what is available at the channel's
//! locations, less the channel's buffer, capped by its maximum, never below zero.

use serde::{Deserialize, Serialize};

use crate::validation::Invalid;

/// Stock held back from a channel, so a late count or a sale on another channel in the
/// seconds before the next push does not oversell: a number of units, or a percentage
/// of what is available (rounded up, so a buffer of 10 % of 5 keeps 1 back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum StockBuffer {
    /// Units kept back, 0 or more.
    Units(i64),
    /// Percent of what is available kept back, 0 to 100.
    Percent(i64),
}

impl Default for StockBuffer {
    fn default() -> Self {
        StockBuffer::Units(0)
    }
}

impl StockBuffer {
    /// The buffer if it is in range.
    pub fn check(self) -> Result<StockBuffer, Invalid> {
        match self {
            StockBuffer::Units(n) if n < 0 => Err(Invalid::new("out_of_range", "units must not be negative")),
            StockBuffer::Percent(p) if !(0..=100).contains(&p) => {
                Err(Invalid::new("out_of_range", "percent must be from 0 to 100"))
            }
            ok => Ok(ok),
        }
    }

    /// The units this buffer keeps back of `available`.
    fn held(self, available: i64) -> i64 {
        match self {
            StockBuffer::Units(n) => n,
            // Rounded up: (a * p + 99) / 100, in i128 so no product overflows.
            StockBuffer::Percent(p) => ((i128::from(available) * i128::from(p) + 99) / 100) as i64,
        }
    }
}

/// The quantity a channel is offered of one SKU: `available` (summed over the channel's
/// ship-from locations) less `buffer`, at most `max` when there is one, never below 0.
pub fn offered(available: i64, buffer: StockBuffer, max: Option<i64>) -> i64 {
    let available = available.max(0);
    let after_buffer = available.saturating_sub(buffer.held(available)).max(0);
    match max {
        Some(max) => after_buffer.min(max.max(0)),
        None => after_buffer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offer_is_available_less_the_buffer_capped_and_never_negative() {
        assert_eq!(offered(10, StockBuffer::Units(0), None), 10);
        assert_eq!(offered(10, StockBuffer::Units(2), None), 8);
        assert_eq!(offered(1, StockBuffer::Units(2), None), 0, "never below zero");
        assert_eq!(
            offered(-3, StockBuffer::Units(0), None),
            0,
            "oversold stock offers nothing"
        );
        assert_eq!(offered(10, StockBuffer::Units(2), Some(5)), 5, "capped by the maximum");
        assert_eq!(offered(4, StockBuffer::Units(0), Some(5)), 4, "the cap only lowers");
        assert_eq!(offered(10, StockBuffer::Percent(10), None), 9);
        assert_eq!(
            offered(5, StockBuffer::Percent(10), None),
            4,
            "a part of a unit held back is a unit"
        );
        assert_eq!(offered(100, StockBuffer::Percent(25), None), 75);
        assert_eq!(offered(7, StockBuffer::Percent(100), None), 0);
        assert_eq!(offered(7, StockBuffer::Percent(0), None), 7);
        assert_eq!(offered(i64::MAX, StockBuffer::Percent(50), None), i64::MAX / 2);
        assert_eq!(offered(10, StockBuffer::Units(0), Some(-1)), 0);
    }

    #[test]
    fn buffers_out_of_range_are_refused() {
        assert!(StockBuffer::Units(-1).check().is_err());
        assert!(StockBuffer::Percent(101).check().is_err());
        assert!(StockBuffer::Percent(-1).check().is_err());
        assert_eq!(StockBuffer::Percent(100).check().unwrap(), StockBuffer::Percent(100));
        assert_eq!(StockBuffer::Units(0).check().unwrap(), StockBuffer::Units(0));
    }

    #[test]
    fn a_buffer_is_written_as_units_or_percent() {
        let units: StockBuffer = serde_json::from_str(r#"{"units": 2}"#).unwrap();
        assert_eq!(units, StockBuffer::Units(2));
        let percent: StockBuffer = serde_json::from_str(r#"{"percent": 10}"#).unwrap();
        assert_eq!(percent, StockBuffer::Percent(10));
        assert!(serde_json::from_str::<StockBuffer>(r#"{"pieces": 2}"#).is_err());
    }
}
