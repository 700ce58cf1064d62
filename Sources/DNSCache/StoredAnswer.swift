import DNSWire

/// An answer just stored in the cache, kept by whoever stored it to answer the queries that
/// waited for it: each reply is the one a cache hit at the moment of storing gives (one copy of
/// the stored bytes plus patches of ID, flags, the client's name case and OPT), without a
/// second lookup, and even if the entry is evicted meanwhile.
///
/// `@unchecked Sendable`: the entry is immutable once made (see `CacheEntry`).
public struct StoredAnswer: @unchecked Sendable {
    let entry: CacheEntry
    let key: CacheKey
    let storedAt: UInt64

    /// The reply to `query` with `edns` as its OPT record, fitted to `maxSize`, as
    /// `DNSCache.lookupWire` makes it; nil when `query`'s question is not the stored answer's.
    public func reply(to query: Message, edns: EDNS?, maxSize: Int) -> [UInt8]? {
        guard let name = key.questionName(of: query) else { return nil }
        return entry.reply(id: query.header.id, queryFlags: query.header.flags, questionName: name, dnssecOK: key.dnssecOK,
                           now: storedAt, edns: edns, maxSize: maxSize)
    }
}

extension StoredAnswer {
    /// The stored answer decoded, as `DNSCache.lookup` gives it for the key's own question (ID 0,
    /// no EDNS), for replies that need its records; nil if it does not decode.
    public func message() -> Message? {
        let bytes = entry.render(id: 0, queryFlags: 0, questionName: key.name, dnssecOK: key.dnssecOK, now: storedAt,
                                 extraCapacity: 0)
        return try? Message(wire: bytes)
    }
}
