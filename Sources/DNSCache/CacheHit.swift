import DNSWire

/// A live cache entry found for a plain query (`DNSCache.hit`), answered without a message or
/// an array: the stored bytes are written straight into a reply buffer and patched there, as
/// every reply from the cache is (`CacheEntry.write`), then the OPT record is added.
///
/// `@unchecked Sendable`: the entry is immutable once made (see `CacheEntry`).
public struct CacheHit: @unchecked Sendable {
    let entry: CacheEntry
    /// The clock reading TTLs are counted down to.
    let now: UInt64
    let dnssecOK: Bool

    /// The stored answer's RCODE (NOERROR or NXDOMAIN: nothing else is cached).
    public var rcode: RCode { RCode(entry.fields.flags & 0x000f) }

    /// Hands `body` the reply to `query` (read from `request`), the same bytes
    /// `DNSCache.lookupWire` returns for it: written into a buffer on the stack when it fits in
    /// `maxSize`, re-encoded with whole RRsets left out and TC set when it does not (rare: a large
    /// answer to a client without EDNS). False, without calling `body`, only if that fails.
    @inline(__always)
    public func withReply(to query: QueryView, request: UnsafeRawBufferPointer, maxSize: Int,
                          _ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        let questionName = UnsafeRawBufferPointer(rebasing: request[12..<12 + query.nameLength])
        let size = entry.wireLength + (query.edns == nil ? 0 : ReplyRules.optSize)
        guard size <= maxSize else {
            guard let reply = entry.reply(id: query.id, queryFlags: query.flags, questionName: query.questionName(in: request),
                                          dnssecOK: dnssecOK, now: now, edns: query.ednsValue.flatMap(ReplyRules.edns(answering:)),
                                          maxSize: maxSize)
            else { return false }
            reply.withUnsafeBytes(body)
            return true
        }
        withUnsafeTemporaryAllocation(byteCount: size, alignment: 8) { out in
            let base = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
            entry.write(into: base, id: query.id, queryFlags: query.flags, questionName: questionName, dnssecOK: dnssecOK, now: now)
            if let edns = query.edns {
                CacheEntry.countAppendedOPT(in: base)
                ReplyRules.writeOPT(dnssecOK: edns.dnssecOK, to: base + entry.wireLength)
            }
            body(UnsafeRawBufferPointer(out))
        }
        return true
    }
}
