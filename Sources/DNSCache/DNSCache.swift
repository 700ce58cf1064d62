import DNSWire

/// The cache of forwarded answers: positive, and negative per RFC 2308, with TTLs counted down,
/// bounded in entries and bytes, safe to use from any thread.
///
/// Answers are kept encoded, so a hit (`lookupWire`) is one copy of the stored bytes plus
/// patches of the ID, flags, question-name case and TTLs, and the OPT of the reply appended.
/// The lock is held only for the index probe; the copy is made outside it.
public final class DNSCache: Sendable {
    public let settings: CacheSettings
    private let clock: any CacheClock
    /// All mutable state; its mutex is the only lock of the cache.
    private let table: Locked<CacheTable>

    public init(settings: CacheSettings = CacheSettings(), clock: any CacheClock = SystemCacheClock()) {
        self.settings = settings
        self.clock = clock
        table = Locked(CacheTable(settings: settings))
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
        let now = clock.now()
        let made: Result<CachedResponse, StoreResult.NotCached> = settings.maxEntries > 0
            ? CachedResponse.make(from: response, for: key, settings: settings, now: now)
            : .failure(.disabled)
        switch made {
        case .success(let entry):
            table.withLock { $0.insert(entry, for: key, now: now) }
            return .stored(ttl: entry.ttl, negative: entry.negative)
        case .failure(let reason):
            table.withLock { $0.countUncacheable() }
            return .notCached(reason)
        }
    }

    /// Decodes `wire` (an upstream reply as received) and stores it; undecodable replies are not cached.
    @discardableResult
    public func store(wire: [UInt8], for key: CacheKey) -> StoreResult {
        do throws(DNSWireError) {
            return store(try Message(wire: wire), for: key)
        } catch {
            table.withLock { $0.countUncacheable() }
            return .notCached(.undecodable(error))
        }
    }

    /// The final reply bytes for `query` from the cache, or nil on a miss (an expired entry is
    /// removed and counts as a miss).
    ///
    /// The reply has the query's ID, opcode, RD and CD, the question as the client spelled it,
    /// QR and RA set, AA and TC clear, AD only if the client set AD or DO, every TTL counted down
    /// by the seconds since the answer was stored, and `edns` as its OPT record (nil: none).
    /// When it does not fit in `maxSize` (512 without EDNS, the client's payload size, 65535
    /// over TCP) it is re-encoded with whole RRsets left out and TC set.
    /// `query` must have the key's question; if not, this is a miss.
    public func lookupWire(_ key: CacheKey, query: Message, edns: EDNS?, maxSize: Int) -> [UInt8]? {
        guard let (entry, now, name) = find(key, query: query) else { return nil }
        let ednsSize = edns?.encodedSize ?? 0
        var bytes = entry.render(id: query.header.id, queryFlags: query.header.flags, questionName: name,
                                 dnssecOK: key.dnssecOK, now: now, extraCapacity: ednsSize)
        guard bytes.count + ednsSize <= maxSize else {
            // Rare (a large answer to a client without EDNS): decode and truncate by RRsets.
            guard var message = try? Message(wire: bytes) else { return nil }
            message.edns = edns
            return message.encode(maxSize: maxSize)
        }
        guard let edns else { return bytes }
        let additionalCount = UInt16(bytes[10]) << 8 | UInt16(bytes[11]) + 1  // ARCOUNT now counts the OPT
        bytes[10] = UInt8(truncatingIfNeeded: additionalCount >> 8)
        bytes[11] = UInt8(truncatingIfNeeded: additionalCount)
        var writer = WireWriter(continuing: consume bytes)
        edns.encode(to: &writer)
        return writer.bytes
    }

    /// The reply to `query` from the cache as a message without EDNS (the caller sets `edns`),
    /// or nil on a miss; same header, question and TTL rules as `lookupWire`. Slower: it decodes.
    public func lookup(_ key: CacheKey, query: Message) -> Message? {
        guard let (entry, now, name) = find(key, query: query) else { return nil }
        let bytes = entry.render(id: query.header.id, queryFlags: query.header.flags, questionName: name,
                                 dnssecOK: key.dnssecOK, now: now, extraCapacity: 0)
        return try? Message(wire: bytes)
    }

    /// The live entry for `key`, once `query`'s question is checked to be the key's.
    private func find(_ key: CacheKey, query: Message) -> (CachedResponse, UInt64, DNSName)? {
        guard query.questions.count == 1, let question = query.questions.first, sameName(question.name, key.name),
              question.type == key.type, question.dnsClass == key.dnsClass
        else {
            table.withLock { $0.countMiss() }
            return nil
        }
        let now = clock.now()
        guard let entry = table.withLock({ $0.lookup(key, now: now) }) else { return nil }
        return (entry, now, question.name)
    }

    /// Drops every entry (counted as `removed`).
    public func removeAll() { table.withLock { $0.removeAll() } }

    /// Keeps only entries whose key satisfies `keep`, e.g. on reload those whose upstream set
    /// survived. `keep` runs under the cache's lock: it must not call the cache.
    public func retain(where keep: (CacheKey) -> Bool) { table.withLock { $0.retain(where: keep) } }

    /// Drops expired entries now instead of when next looked up or passed by the eviction hand;
    /// for a periodic sweep, if memory held by dead entries matters.
    public func removeExpired() {
        let now = clock.now()
        table.withLock { $0.removeExpired(now: now) }
    }

    /// Entries held, expired ones not yet removed included.
    public var count: Int { table.withLock { $0.index.count } }

    /// A consistent snapshot of the counters.
    public var statistics: CacheStatistics { table.withLock { $0.snapshot } }

    /// Every live entry as the reply it gives now (TTLs counted down), for `vpcdns ctl dump-cache`.
    /// Not counted as hits or misses.
    public func dump() -> [(key: CacheKey, reply: Message)] {
        let now = clock.now()
        let entries = table.withLock { $0.liveEntries(now: now) }
        return entries.compactMap { key, entry in
            let bytes = entry.render(id: 0, queryFlags: 0, questionName: key.name, dnssecOK: key.dnssecOK, now: now, extraCapacity: 0)
            return (try? Message(wire: bytes)).map { (key, $0) }
        }
    }
}
