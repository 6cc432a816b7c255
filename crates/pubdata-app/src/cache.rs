//! What the hot paths keep in memory: verified API tokens, and (in `sharing::cache`) what a
//! sharing decision reads. Every entry carries the generation it was loaded in; any action
//! that could change a decision (a token revoked, a user or unit disabled, a grant, an
//! emergency, a catalog entry changed) bumps the generation, so this instance never decides on
//! stale state. Entries also live at most [`TTL`], which bounds how long another instance
//! sharing the database may lag behind a change made elsewhere.

use pubdata_core::Actor;
use pubdata_core::actor::{Channel, TokenScope, UserRef};
use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The longest an entry is trusted without reloading.
pub const TTL: Duration = Duration::from_secs(2);

/// Entries a map keeps before it is cleared (a bound on memory, not a tuning knob).
const MAX_ENTRIES: usize = 100_000;

#[derive(Default)]
pub struct Generation(AtomicU64);

impl Generation {
    pub fn current(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }
    pub fn bump(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}

/// A value with when and in which generation it was loaded.
pub struct Stamped<T> {
    pub value: T,
    generation: u64,
    loaded: Instant,
}

impl<T> Stamped<T> {
    pub fn new(value: T, generation: u64) -> Self {
        Stamped {
            value,
            generation,
            loaded: Instant::now(),
        }
    }
    pub fn fresh(&self, generation: u64) -> bool {
        self.generation == generation && self.loaded.elapsed() < TTL
    }
}

/// A map of stamped values behind a read-write lock.
pub struct StampedMap<K, V> {
    map: RwLock<HashMap<K, Stamped<V>>>,
}

impl<K, V> Default for StampedMap<K, V> {
    fn default() -> Self {
        StampedMap {
            map: RwLock::new(HashMap::new()),
        }
    }
}

impl<K: std::hash::Hash + Eq, V: Clone> StampedMap<K, V> {
    /// The value for `key` if it is fresh in `generation`.
    pub fn get<Q>(&self, key: &Q, generation: u64) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        let map = self.map.read().expect("cache lock");
        map.get(key)
            .filter(|s| s.fresh(generation))
            .map(|s| s.value.clone())
    }

    pub fn put(&self, key: K, value: V, generation: u64) {
        let mut map = self.map.write().expect("cache lock");
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(key, Stamped::new(value, generation));
    }
}

/// A verified token: who it acts for, with which scope, until when.
#[derive(Clone)]
pub struct VerifiedToken {
    pub user: UserRef,
    pub scope: TokenScope,
    pub expires_at: i64,
}

impl VerifiedToken {
    pub fn actor(&self, request_id: &str) -> Actor {
        Actor::user(
            self.user.clone(),
            Channel::Api,
            Some(self.scope),
            request_id,
        )
    }
}

/// Rate quotas per key (a grant, a developer key): token buckets that refill evenly and hold
/// a minute's worth. Per instance.
#[derive(Default)]
pub struct Quotas {
    buckets: std::sync::Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Quotas {
    /// Takes one call from `key`'s quota of `per_minute` calls. Over quota: the seconds until
    /// the next call fits.
    pub fn take(&self, key: &str, per_minute: i64) -> Result<(), u64> {
        let capacity = per_minute.max(1) as f64;
        let per_sec = capacity / 60.0;
        let mut buckets = self.buckets.lock().expect("quota lock");
        let now = Instant::now();
        if buckets.len() >= MAX_ENTRIES && !buckets.contains_key(key) {
            buckets.clear();
        }
        let b = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * per_sec).min(capacity);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - b.tokens) / per_sec).ceil().max(1.0) as u64)
        }
    }
}

/// The app's caches.
#[derive(Default)]
pub struct Caches {
    pub generation: Generation,
    /// By the token's SHA-256 (hex), as the store keeps it.
    pub tokens: StampedMap<String, VerifiedToken>,
    pub sharing: crate::sharing::cache::SharingCache,
    pub opening: crate::opening::datasets::OpeningCache,
}
