/// Limits and TTL policy of a `DNSCache`.
public struct CacheSettings: Hashable, Sendable {
    /// Most entries kept; 0 turns the cache off (every store is refused).
    public var maxEntries: Int
    /// Most bytes kept, counted approximately (`CachedResponse.cost`): stored wire bytes plus a
    /// fixed per-entry overhead. Bounds memory when answers are large (TCP answers up to 64 KiB).
    public var maxBytes: Int
    /// Positive TTLs below this are raised to it. A TTL of 0 is never raised: it means "do not cache".
    public var minTTL: UInt32
    /// Every TTL, positive or negative, is lowered to at most this.
    public var maxTTL: UInt32
    /// Cap on the negative-caching TTL (RFC 2308: min(SOA TTL, SOA MINIMUM)).
    public var maxNegativeTTL: UInt32

    public init(maxEntries: Int = 100_000, maxBytes: Int = 64 << 20, minTTL: UInt32 = 0, maxTTL: UInt32 = 86_400,
                maxNegativeTTL: UInt32 = 3_600) {
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
        self.minTTL = minTTL
        self.maxTTL = maxTTL
        self.maxNegativeTTL = maxNegativeTTL
    }
}

/// Counters since the cache was made, for logs and metrics. A snapshot: read under the lock.
///
/// Invariant: `entries == inserts - evictions - expired - removed` (`updates` replace an entry
/// in place and leave the count unchanged).
public struct CacheStatistics: Hashable, Sendable {
    /// Lookups answered from the cache.
    public var hits: UInt64 = 0
    /// Lookups not answered: absent or expired.
    public var misses: UInt64 = 0
    /// Stores that added a new key.
    public var inserts: UInt64 = 0
    /// Stores that replaced the entry of a key already cached.
    public var updates: UInt64 = 0
    /// Live entries dropped to keep `maxEntries` / `maxBytes`.
    public var evictions: UInt64 = 0
    /// Entries dropped because their TTL ran out (found by a lookup, the eviction hand or `removeExpired`).
    public var expired: UInt64 = 0
    /// Entries dropped by `removeAll` or `retain(where:)`.
    public var removed: UInt64 = 0
    /// Stores refused by the caching policy (see `StoreResult.NotCached`).
    public var uncacheable: UInt64 = 0
    /// Entries held now.
    public var entries: Int = 0
    /// Approximate bytes held now.
    public var bytes: Int = 0

    public init() {}
}
