//! The server's limits on its clients: how long a connection may take to send a
//! request's headers or sit idle, how many connections are served at once, how fast one
//! address may fail to authenticate, and (optionally) how fast one key may call.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::num::{NonZeroU32, NonZeroUsize};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use switchyard_core::id::ApiKeyId;

use crate::error::ApiError;

/// The limits a server runs with; `switchyard serve` takes each as a setting.
#[derive(Debug, Clone)]
pub struct Limits {
    /// How long a client may take to send a request's line and headers, from its
    /// first byte (or from connecting, for a connection's first request).
    pub header_read_timeout: Duration,
    /// How long a connection may sit idle between requests before it is closed.
    pub idle_timeout: Duration,
    /// Connections served at once; further ones wait in the listen queue.
    pub max_connections: NonZeroUsize,
    /// Failed authentications one client address may make: a burst, then a steady rate.
    pub auth_failures: Rate,
    /// Requests one key may make, if limited (off unless set).
    pub key_requests: Option<Rate>,
}

/// The defaults of `switchyard serve`: 10 s for headers, 60 s idle, 4,096 connections,
/// 20 failed authentications per address and then 1 a second, no per-key limit.
impl Default for Limits {
    fn default() -> Self {
        const MAX_CONNECTIONS: NonZeroUsize = match NonZeroUsize::new(4096) {
            Some(n) => n,
            None => NonZeroUsize::MIN,
        };
        const AUTH_FAILURE_BURST: NonZeroU32 = match NonZeroU32::new(20) {
            Some(n) => n,
            None => NonZeroU32::MIN,
        };
        Limits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: MAX_CONNECTIONS,
            auth_failures: Rate::new(AUTH_FAILURE_BURST, NonZeroU32::MIN),
            key_requests: None,
        }
    }
}

/// A token bucket's shape: `burst` at once, then `per_second` more each second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub burst: NonZeroU32,
    pub per_second: NonZeroU32,
}

impl Rate {
    pub fn new(burst: NonZeroU32, per_second: NonZeroU32) -> Self {
        Rate { burst, per_second }
    }

    /// `n` a second, with a burst of one second's worth.
    pub fn per_second(n: NonZeroU32) -> Self {
        Rate::new(n, n)
    }
}

/// Where a request comes from, as far as limits go: an IPv4 address, or the /64 an
/// IPv6 address is in (one subscriber usually holds a whole /64).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddr(IpAddr);

impl From<IpAddr> for ClientAddr {
    fn from(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(_) => ClientAddr(ip),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ClientAddr(IpAddr::V4(v4)),
                None => {
                    let network = u128::from(v6) & !u128::from(u64::MAX);
                    ClientAddr(IpAddr::V6(Ipv6Addr::from(network)))
                }
            },
        }
    }
}

/// How long to wait before a bucket has a token again, in whole seconds (at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(u64);

impl RetryAfter {
    /// A 429 problem saying why, with the wait in `Retry-After`.
    pub fn response(self, detail: &str) -> Response {
        let mut response = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", detail).into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(self.0));
        response
    }
}

/// More clients or keys than one server tracks at once; past it, buckets that have
/// filled up again are forgotten (they are as good as new), and if none has, all are.
const MAX_TRACKED: usize = 65_536;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Token buckets by key, in memory, bounded in number.
#[derive(Debug)]
struct Buckets<K> {
    rate: Rate,
    buckets: Mutex<HashMap<K, Bucket>>,
}

impl<K: Hash + Eq> Buckets<K> {
    fn new(rate: Rate) -> Self {
        Buckets {
            rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The bucket's tokens at `now`, counting what it has refilled since last seen.
    fn refilled(&self, bucket: Bucket, now: Instant) -> f64 {
        let burst = f64::from(self.rate.burst.get());
        let gained = now.saturating_duration_since(bucket.at).as_secs_f64() * f64::from(self.rate.per_second.get());
        (bucket.tokens + gained).min(burst)
    }

    fn wait(&self, tokens: f64) -> RetryAfter {
        let wait = Duration::try_from_secs_f64((1.0 - tokens) / f64::from(self.rate.per_second.get()))
            .unwrap_or(Duration::ZERO);
        RetryAfter((wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1))
    }

    /// Whether `key` has a token, without taking it.
    fn check(&self, key: &K, now: Instant) -> Result<(), RetryAfter> {
        let buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        match buckets.get(key).map(|b| self.refilled(*b, now)) {
            Some(tokens) if tokens < 1.0 => Err(self.wait(tokens)),
            _ => Ok(()),
        }
    }

    /// Takes a token from `key`'s bucket, or says how long until there is one.
    fn take(&self, key: K, now: Instant) -> Result<(), RetryAfter> {
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= MAX_TRACKED && !buckets.contains_key(&key) {
            let full = f64::from(self.rate.burst.get());
            buckets.retain(|_, b| self.refilled(*b, now) < full);
            if buckets.len() >= MAX_TRACKED {
                tracing::warn!(tracked = MAX_TRACKED, "rate limit table full; starting over");
                buckets.clear();
            }
        }
        let full = Bucket {
            tokens: f64::from(self.rate.burst.get()),
            at: now,
        };
        let bucket = buckets.entry(key).or_insert(full);
        let tokens = self.refilled(*bucket, now);
        if tokens < 1.0 {
            return Err(self.wait(tokens));
        }
        *bucket = Bucket {
            tokens: tokens - 1.0,
            at: now,
        };
        Ok(())
    }
}

/// The request limits the API's authentication applies.
#[derive(Debug)]
pub struct Guards {
    auth_failures: Buckets<ClientAddr>,
    key_requests: Option<Buckets<ApiKeyId>>,
}

impl Guards {
    pub fn new(limits: &Limits) -> Self {
        Guards {
            auth_failures: Buckets::new(limits.auth_failures),
            key_requests: limits.key_requests.map(Buckets::new),
        }
    }

    /// Before a key is looked up: refused while `client` has used up its failures.
    pub fn before_lookup(&self, client: ClientAddr) -> Result<(), RetryAfter> {
        self.auth_failures.check(&client, Instant::now())
    }

    /// `client` sent a key that is not a live key.
    pub fn failed(&self, client: ClientAddr) {
        // Refused or not, the next request's check says so.
        self.auth_failures.take(client, Instant::now()).ok();
    }

    /// A request by `key`: refused when the key has used up its rate, if it has one.
    pub fn admit(&self, key: &ApiKeyId) -> Result<(), RetryAfter> {
        match &self.key_requests {
            Some(buckets) => buckets.take(key.clone(), Instant::now()),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;
    use std::num::NonZeroU32;
    use std::time::{Duration, Instant};

    use super::{Buckets, ClientAddr, MAX_TRACKED, Rate, RetryAfter};

    fn rate(burst: u32, per_second: u32) -> Rate {
        Rate::new(NonZeroU32::new(burst).unwrap(), NonZeroU32::new(per_second).unwrap())
    }

    #[test]
    fn a_bucket_gives_its_burst_then_refills_at_its_rate() {
        let buckets = Buckets::new(rate(3, 2));
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(buckets.check(&1, start), Ok(()));
            assert_eq!(buckets.take(1, start), Ok(()));
        }
        assert_eq!(buckets.check(&1, start), Err(RetryAfter(1)));
        assert_eq!(buckets.take(1, start), Err(RetryAfter(1)));
        // Other keys have buckets of their own.
        assert_eq!(buckets.take(2, start), Ok(()));
        // Two tokens a second: one after half a second, not before.
        let later = start + Duration::from_millis(499);
        assert!(buckets.take(1, later).is_err());
        let later = start + Duration::from_millis(500);
        assert_eq!(buckets.take(1, later), Ok(()));
        assert!(buckets.take(1, later).is_err());
        // Never more than the burst, however long it rested.
        let much_later = later + Duration::from_secs(3600);
        for _ in 0..3 {
            assert_eq!(buckets.take(1, much_later), Ok(()));
        }
        assert!(buckets.take(1, much_later).is_err());
    }

    #[test]
    fn the_wait_is_how_long_until_a_token_rounded_up_to_a_second() {
        let slow = Buckets::new(rate(1, 1));
        let now = Instant::now();
        slow.take(0, now).unwrap();
        assert_eq!(slow.take(0, now + Duration::from_millis(100)), Err(RetryAfter(1)));
        let fast = Buckets::new(rate(1, 50));
        fast.take(0, now).unwrap();
        assert_eq!(fast.take(0, now), Err(RetryAfter(1)));
    }

    #[test]
    fn the_table_stays_bounded_forgetting_full_buckets_first() {
        let buckets = Buckets::new(rate(2, 1));
        let now = Instant::now();
        // One client used up its burst; many others failed once and then rested.
        buckets.take(usize::MAX, now).unwrap();
        buckets.take(usize::MAX, now).unwrap();
        for key in 0..MAX_TRACKED - 1 {
            buckets.take(key, now).unwrap();
        }
        let rested = now + Duration::from_millis(1500);
        buckets.take(MAX_TRACKED, rested).unwrap();
        let tracked = buckets.buckets.lock().unwrap().len();
        assert!(tracked <= 2, "{tracked} buckets kept");
        // The client that was refused is still refused: its bucket was kept.
        assert!(buckets.check(&usize::MAX, now + Duration::from_millis(400)).is_err());
    }

    #[test]
    fn an_ipv6_client_is_its_64_and_a_mapped_ipv4_client_its_ipv4_address() {
        let addr = |s: &str| ClientAddr::from(s.parse::<IpAddr>().unwrap());
        assert_eq!(addr("2001:db8:1:2:aaaa::1"), addr("2001:db8:1:2:bbbb::9"));
        assert_ne!(addr("2001:db8:1:2::1"), addr("2001:db8:1:3::1"));
        assert_eq!(addr("::ffff:192.0.2.7"), addr("192.0.2.7"));
        assert_ne!(addr("192.0.2.7"), addr("192.0.2.8"));
    }
}
