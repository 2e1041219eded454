//! A small deterministic generator (SplitMix64) for demo data, load generation and
//! benchmarks: the same seed gives the same sequence everywhere. Nothing in the
//! business rules draws from it; it is not for secrets.

#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in 0..n (0 when n is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An index drawn with the given weights.
    pub fn weighted(&mut self, weights: &[u64]) -> usize {
        let mut roll = self.below(weights.iter().sum());
        for (i, w) in weights.iter().enumerate() {
            if roll < *w {
                return i;
            }
            roll -= w;
        }
        weights.len().saturating_sub(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_draws_and_weights_are_respected() {
        let (mut a, mut b) = (Rng::new(9), Rng::new(9));
        assert_eq!(
            (0..5).map(|_| a.next_u64()).collect::<Vec<_>>(),
            (0..5).map(|_| b.next_u64()).collect::<Vec<_>>()
        );
        let mut r = Rng::new(1);
        let mut counts = [0; 3];
        for _ in 0..10_000 {
            counts[r.weighted(&[1, 0, 9])] += 1;
        }
        assert_eq!(counts[1], 0);
        assert!(counts[2] > counts[0] * 5);
    }

    #[test]
    fn the_sequence_is_splitmix64_so_demo_data_is_the_same_on_every_machine() {
        // The published SplitMix64 outputs for seed 1234567.
        let mut r = Rng::new(1_234_567);
        let drawn: Vec<u64> = (0..5).map(|_| r.next_u64()).collect();
        assert_eq!(
            drawn,
            [
                6_457_827_717_110_365_317,
                3_203_168_211_198_807_973,
                9_817_491_932_198_370_423,
                4_593_380_528_125_082_431,
                16_408_922_859_458_223_821,
            ]
        );
    }

    #[test]
    fn a_unit_draw_is_spread_over_zero_to_one() {
        let mut r = Rng::new(7);
        let draws: Vec<f64> = (0..10_000).map(|_| r.unit()).collect();
        assert!(draws.iter().all(|u| (0.0..1.0).contains(u)));
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        assert!((0.45..0.55).contains(&mean), "mean {mean}");
    }

    #[test]
    fn a_draw_below_n_reaches_every_value_under_n_and_none_above() {
        let mut r = Rng::new(3);
        let mut seen = [0; 6];
        for _ in 0..6_000 {
            seen[r.below(6) as usize] += 1;
        }
        assert!(seen.iter().all(|&n| n > 800), "{seen:?}");
        assert_eq!(r.below(0), 0);
        assert_eq!(r.below(1), 0);
        let items = ["a", "b", "c"];
        let picked: std::collections::BTreeSet<&str> = (0..100).map(|_| *r.pick(&items)).collect();
        assert_eq!(picked.len(), 3);
    }

    #[test]
    fn each_index_is_drawn_in_proportion_to_its_weight() {
        let mut r = Rng::new(5);
        let weights = [1, 2, 3, 4];
        let mut counts = [0u64; 4];
        for _ in 0..100_000 {
            counts[r.weighted(&weights)] += 1;
        }
        for (count, weight) in counts.iter().zip(weights) {
            let expected = 10_000 * weight;
            assert!(count.abs_diff(expected) < expected / 10, "{counts:?}");
        }
        assert_eq!(r.weighted(&[0, 0, 5]), 2);
    }
}
