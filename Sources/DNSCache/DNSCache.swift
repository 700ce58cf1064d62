import DNSWire
import Platform

/// The cache of forwarded answers: positive, and negative per RFC 2308, with TTLs counted down,
/// bounded in entries and bytes, safe to use from any thread.
///
/// Answers are kept encoded, so a hit (`lookupWire`, or `hit` for a plain query straight from
/// its bytes) is one copy of the stored bytes plus patches of the ID, flags, question-name case
/// and TTLs, and the OPT of the reply appended.
/// The cache is split into `settings.shardCount` shards by key hash, each with its own lock,
/// held only for the index probe; the copy is made outside it. Expired answers are kept for
/// `maxStaleAge` more seconds to be served when the upstreams fail (`staleAnswer`).
public final class DNSCache: Sendable {
    public let settings: CacheSettings
    private let clock: any MillisecondClock
    /// All mutable state, by the top bits of the key hash; each mutex guards one shard.
    private let shards: [LockedShard]
    private let shardShift: UInt64

    public init(settings: CacheSettings = CacheSettings(), clock: any MillisecondClock = MonotonicClock(resolution: .coarse)) {
        self.settings = settings
        self.clock = clock
        let count = settings.shardCount
        let staleWindow = settings.serveStale ? UInt64(settings.maxStaleAge) * 1000 : 0
        shards = (0..<count).map { _ in
            LockedShard(CacheShard(maxEntries: (settings.maxEntries + count - 1) / count,
                              maxBytes: settings.maxBytes / count, staleWindow: staleWindow))
        }
        shardShift = UInt64(64 - count.trailingZeroBitCount)
    }

    /// Runs `body` on the shard of `key` with the key's hash and encoded bytes, under the lock.
    private func withShard<R>(of key: CacheKey, _ body: (inout CacheShard, UInt64, UnsafeRawBufferPointer) -> R) -> R {
        key.withEncodedBytes { withShard(ofEncoded: $0, body) }
    }

    /// Runs `body` on the shard of the key encoded as `bytes`, with its hash, under the lock.
    @inline(__always)
    private func withShard<R>(ofEncoded bytes: UnsafeRawBufferPointer, _ body: (inout CacheShard, UInt64, UnsafeRawBufferPointer) -> R) -> R {
        var hasher = Hasher()
        hasher.combine(bytes: bytes)
        let hash = UInt64(UInt(bitPattern: hasher.finalize()))
        let shard = shardShift == 64 ? 0 : Int(truncatingIfNeeded: hash >> shardShift)
        return shards[shard].withLock { body(&$0, hash, bytes) }
    }

    private func forEachShard(_ body: (inout CacheShard) -> Void) {
        for shard in shards { shard.withLock { body(&$0) } }
    }

    /// Stores an upstream answer for `key` if the policy allows it:
    /// - NOERROR with answers; NOERROR without answers (NODATA) and NXDOMAIN only with an SOA in
    ///   the authority section, whose TTL becomes min(SOA TTL, SOA MINIMUM, `maxNegativeTTL`);
    /// - never with TC set, never another RCODE, never when a TTL in the answer or authority
    ///   section is 0, never when the question differs from the key;
    /// - the entry lives for the smallest TTL of the answer and authority sections, each positive
    ///   TTL first clamped to [`minTTL`, `maxTTL`]; additional records that would expire sooner
    ///   are dropped; the OPT record is never stored.
    @discardableResult
    public func store(_ response: Message, for key: CacheKey) -> StoreResult {
        insert(response, for: key).result
    }

    /// Stores `response` as `store(_:for:)` does and returns the entry made, so that the queries
    /// that waited for this answer are answered from the same bytes as every later hit (nil when
    /// the answer is not cached).
    public func storeForReplies(_ response: Message, for key: CacheKey) -> StoredAnswer? {
        let (result, entry, now) = insert(response, for: key)
        guard case .stored = result, let entry else { return nil }
        return StoredAnswer(entry: entry, key: key, now: now, fixedTTL: nil)
    }

    private func insert(_ response: Message, for key: CacheKey) -> (result: StoreResult, entry: CacheEntry?, now: UInt64) {
        let now = clock.now()
        let made: Result<CacheEntry, StoreResult.NotCached> = settings.maxEntries > 0
            ? CacheEntry.make(from: response, for: key, settings: settings, now: now)
            : .failure(.disabled)
        switch made {
        case .success(let entry):
            withShard(of: key) { $0.insert(entry, hash: $1, key: $2, now: now) }
            return (.stored(ttl: entry.ttl, negative: entry.negative), entry, now)
        case .failure(let reason):
            withShard(of: key) { shard, _, _ in shard.countUncacheable() }
            return (.notCached(reason), nil, now)
        }
    }

    /// Decodes `wire` (an upstream reply as received) and stores it; undecodable replies are not cached.
    @discardableResult
    public func store(wire: [UInt8], for key: CacheKey) -> StoreResult {
        do throws(DNSWireError) {
            return store(try Message(wire: wire), for: key)
        } catch {
            withShard(of: key) { shard, _, _ in shard.countUncacheable() }
            return .notCached(.undecodable(error))
        }
    }

    /// The final reply bytes for `query` from the cache, or nil on a miss (an expired entry is
    /// removed and counts as a miss).
    ///
    /// The reply has the query's ID, the flags `ReplyRules.flags` makes from the query's (AD only
    /// if the stored answer had it and the client set AD or DO), the question as the client
    /// spelled it, every TTL counted down by the seconds since the answer was stored, and `edns`
    /// as its OPT record (nil: none; for a client, `ReplyRules.edns(answering:)` of its query's).
    /// When it does not fit in `maxSize` (512 without EDNS, the client's payload size, 65535
    /// over TCP) it is re-encoded with whole RRsets left out and TC set.
    /// `query` must have the key's question; if not, this is a miss.
    public func lookupWire(_ key: CacheKey, query: Message, edns: EDNS?, maxSize: Int) -> [UInt8]? {
        guard let (entry, now, name) = find(key, query: query) else { return nil }
        return entry.reply(id: query.header.id, queryFlags: query.header.flags, questionName: name, dnssecOK: key.dnssecOK,
                           now: now, edns: edns, maxSize: maxSize)
    }

    /// The live entry for a plain query read by `QueryView`, found from its lowercased name
    /// (`foldedName`) without building a key or a message; counted as a hit or a miss as
    /// `lookupWire` counts it. The caller replies from it (`CacheHit.withReply`).
    public func hit(foldedName: UnsafeRawBufferPointer, type: RRType, dnssecOK: Bool, upstreamSet: Int) -> CacheHit? {
        let now = clock.now()
        let entry = CacheKey.withEncodedBytes(foldedName: foldedName, type: type, dnsClass: .internet, dnssecOK: dnssecOK,
                                              upstreamSet: upstreamSet) { encoded in
            withShard(ofEncoded: encoded) { $0.lookup(hash: $1, key: $2, now: now) }
        }
        return entry.map { CacheHit(entry: $0, now: now, dnssecOK: dnssecOK) }
    }

    /// The reply to `query` from the cache as a message without EDNS (the caller sets `edns`),
    /// or nil on a miss; same header, question and TTL rules as `lookupWire`. Slower: it decodes.
    public func lookup(_ key: CacheKey, query: Message) -> Message? {
        guard let (entry, now, name) = find(key, query: query) else { return nil }
        let bytes = entry.render(id: query.header.id, queryFlags: query.header.flags, questionName: name,
                                 dnssecOK: key.dnssecOK, now: now, extraCapacity: 0)
        return try? Message(wire: bytes)
    }

    /// The answer for `key` when every upstream try failed (RFC 8767): the cached answer, fresh or
    /// expired for less than `maxStaleAge`, whose TTLs are all `staleAnswerTTL` when it is
    /// expired (counted in `staleAnswers`), counted down otherwise. Nil when serve-stale is off
    /// or nothing usable is held. The caller replies from it as from a hit (`StoredAnswer.reply`).
    public func staleAnswer(for key: CacheKey) -> StoredAnswer? {
        guard settings.serveStale else { return nil }
        let now = clock.now()
        guard let entry = withShard(of: key, { $0.lookupStale(hash: $1, key: $2, now: now) }) else { return nil }
        return StoredAnswer(entry: entry, key: key, now: now, fixedTTL: now >= entry.expiresAt ? settings.staleAnswerTTL : nil)
    }

    /// The live entry for `key`, once `query`'s question is checked to be the key's.
    private func find(_ key: CacheKey, query: Message) -> (CacheEntry, UInt64, DNSName)? {
        guard let name = key.questionName(of: query) else {
            withShard(of: key) { shard, _, _ in shard.countMiss() }
            return nil
        }
        let now = clock.now()
        guard let entry = withShard(of: key, { $0.lookup(hash: $1, key: $2, now: now) }) else { return nil }
        return (entry, now, name)
    }

    /// Drops every entry (counted as `removed`).
    public func removeAll() { forEachShard { $0.removeAll() } }

    /// Keeps only entries whose key satisfies `keep`, e.g. on reload those whose upstream set
    /// survived (the key's name comes back lowercased). `keep` runs under a shard's lock: it
    /// must not call the cache.
    public func retain(where keep: (CacheKey) -> Bool) {
        forEachShard { shard in
            shard.retain { bytes in CacheKey(encoded: bytes).map(keep) ?? false }
        }
    }

    /// Drops entries past their TTL and the stale window now instead of when next looked up or
    /// passed by the eviction hand; for a periodic sweep, if memory held by dead entries matters.
    public func removeExpired() {
        let now = clock.now()
        forEachShard { $0.removeExpired(now: now) }
    }

    /// Entries held, expired ones not yet removed included.
    public var count: Int {
        var total = 0
        forEachShard { total += $0.statistics.entries }
        return total
    }

    /// Every live entry as the reply it gives now (TTLs counted down, the name lowercased), for
    /// inspection. Not counted as hits or misses.
    public func dump() -> [(key: CacheKey, reply: Message)] {
        let now = clock.now()
        var result: [(key: CacheKey, reply: Message)] = []
        for shard in shards {
            let entries = shard.withLock { $0.liveEntries(now: now) }
            for (bytes, entry) in entries {
                guard let key = CacheKey(encoded: bytes) else { continue }
                let wire = entry.render(id: 0, queryFlags: 0, questionName: key.name, dnssecOK: key.dnssecOK, now: now,
                                        extraCapacity: 0)
                if let reply = try? Message(wire: wire) { result.append((key, reply)) }
            }
        }
        return result
    }

    /// The counters summed over the shards, each read under its lock (cheap: one lock per shard).
    public var statistics: CacheStatistics {
        var total = CacheStatistics()
        forEachShard { shard in
            let part = shard.statistics
            total.hits += part.hits
            total.misses += part.misses
            total.inserts += part.inserts
            total.updates += part.updates
            total.evictions += part.evictions
            total.expired += part.expired
            total.removed += part.removed
            total.uncacheable += part.uncacheable
            total.staleAnswers += part.staleAnswers
            total.entries += part.entries
            total.bytes += part.bytes
        }
        return total
    }
}
