import DNSWire

/// A cached answer taken out to reply to queries from it: the one just stored, for the queries
/// that waited for it (`DNSCache.storeForReplies`), or the one served stale when the upstreams
/// failed (`DNSCache.staleAnswer`). Each reply is what a cache hit gives (one copy of the stored
/// bytes plus patches of ID, flags, the client's name case, TTLs and OPT), with the TTLs of the
/// moment it was taken out, without a second lookup, and even if the entry is evicted meanwhile.
///
/// `@unchecked Sendable`: the entry is immutable once made (see `CacheEntry`).
public struct StoredAnswer: @unchecked Sendable {
    let entry: CacheEntry
    let key: CacheKey
    /// The clock reading TTLs are counted down to.
    let now: UInt64
    /// Every TTL's value instead (a stale answer, RFC 8767); nil: counted down.
    let fixedTTL: UInt32?

    /// The reply to `query` with `edns` as its OPT record, fitted to `maxSize`, as
    /// `DNSCache.lookupWire` makes it; nil when `query`'s question is not the stored answer's.
    public func reply(to query: Message, edns: EDNS?, maxSize: Int) -> [UInt8]? {
        guard let name = key.questionName(of: query) else { return nil }
        return entry.reply(id: query.header.id, queryFlags: query.header.flags, questionName: name, dnssecOK: key.dnssecOK,
                           now: now, fixedTTL: fixedTTL, edns: edns, maxSize: maxSize)
    }

    /// The answer decoded, for the key's own question (ID 0, no EDNS), for replies that need
    /// its records; nil if it does not decode.
    public func message() -> Message? {
        let bytes = entry.render(id: 0, queryFlags: 0, questionName: key.name, dnssecOK: key.dnssecOK, now: now,
                                 fixedTTL: fixedTTL, extraCapacity: 0)
        return try? Message(wire: bytes)
    }
}
