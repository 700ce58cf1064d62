/// Limits and TTL policy of a `DNSCache`.
public struct CacheSettings: Hashable, Sendable {
    /// Most entries kept; 0 turns the cache off (every store is refused).
    public var maxEntries: Int
    /// Most bytes kept, counted as the allocator holds them (`CacheEntry.cost`: the entry's one
    /// allocation with its key and wire bytes, plus its slots in the shard's tables), so the
    /// bound is what the cache adds to the resident size. Bounds memory however large the answers.
    public var maxBytes: Int
    /// Positive TTLs below this are raised to it. A TTL of 0 is never raised: it means "do not cache".
    public var minTTL: UInt32
    /// Every TTL, positive or negative, is lowered to at most this.
    public var maxTTL: UInt32
    /// Cap on the negative-caching TTL (RFC 2308: min(SOA TTL, SOA MINIMUM)).
    public var maxNegativeTTL: UInt32
    /// Serve-stale (RFC 8767): when every upstream try fails, an answer expired for less than
    /// `maxStaleAge` seconds is served with every TTL set to `staleAnswerTTL`.
    public var serveStale: Bool
    /// The TTL of stale answers; RFC 8767 section 4 recommends 30 seconds.
    public var staleAnswerTTL: UInt32
    /// How long past its TTL an answer is kept for serve-stale, in seconds; RFC 8767 section 4
    /// recommends one to three days.
    public var maxStaleAge: UInt32

    public init(maxEntries: Int = 100_000, maxBytes: Int = 32 << 20, minTTL: UInt32 = 0, maxTTL: UInt32 = 86_400,
                maxNegativeTTL: UInt32 = 3_600, serveStale: Bool = true, staleAnswerTTL: UInt32 = 30,
                maxStaleAge: UInt32 = 86_400) {
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
        self.minTTL = minTTL
        self.maxTTL = maxTTL
        self.maxNegativeTTL = maxNegativeTTL
        self.serveStale = serveStale
        self.staleAnswerTTL = staleAnswerTTL
        self.maxStaleAge = maxStaleAge
    }

    /// Shards the cache is split into, each with its own lock: a power of two, so that each
    /// holds at least 1024 entries and 64 KiB, at most 256 (one for small caches, whose bounds
    /// then hold exactly).
    public var shardCount: Int {
        let wanted = min(maxEntries / 1024, maxBytes / (64 << 10), 256)
        var count = 1
        while count * 2 <= wanted { count *= 2 }
        return count
    }
}

/// Counters since the cache was made, for logs and metrics. A snapshot, summed over the shards
/// (each read under its lock).
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
    /// Entries dropped because their TTL (and stale window) ran out (found by a lookup, the
    /// eviction hand or `removeExpired`).
    public var expired: UInt64 = 0
    /// Expired answers served because the upstreams failed (serve-stale, RFC 8767).
    public var staleAnswers: UInt64 = 0
    /// Entries dropped by `removeAll` or `retain(where:)`.
    public var removed: UInt64 = 0
    /// Stores refused by the caching policy (see `StoreResult.NotCached`).
    public var uncacheable: UInt64 = 0
    /// Entries held now, stale ones included.
    public var entries: Int = 0
    /// Bytes held now, as `maxBytes` counts them.
    public var bytes: Int = 0

    public init() {}
}
