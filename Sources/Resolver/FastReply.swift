import DNSWire
import Platform

/// Replies assembled from the query's own bytes: its header (patched), its question as the
/// client spelled it, a precompiled body, and the OPT record; the same bytes `ResponseBuilder`
/// would encode for the same sections, without building a message.
enum FastReply {
    /// The reply's size, or nil when it exceeds what the client can take (the model's slow path
    /// then truncates it by RRsets).
    @inline(__always)
    static func size(query: QueryView, bodySize: Int, overTCP: Bool) -> Int? {
        let size = query.questionEnd + bodySize + (query.edns == nil ? 0 : ReplyRules.optSize)
        return size <= ReplyRules.maxSize(payloadSize: query.edns?.udpPayloadSize, overTCP: overTCP) ? size : nil
    }

    /// Writes the reply into `out` (exactly `size(...)` bytes): the query's header and question,
    /// `body` with its compression pointers at `pointerOffsets` moved by `shift`, then the OPT.
    @inline(__always)
    static func write(into out: UnsafeMutableRawBufferPointer, query: QueryView, request: UnsafeRawBufferPointer,
                      rcode: RCode, answerCount: UInt16, authorityCount: UInt16, body: UnsafeRawBufferPointer,
                      pointerOffsets: [Int] = [], shift: Int = 0) {
        let base = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
        base.initialize(from: request.baseAddress!.assumingMemoryBound(to: UInt8.self), count: query.questionEnd)
        base.storeBigEndian(ReplyRules.flags(query: query.flags, rcode: rcode.rawValue), at: 2)
        base.storeBigEndian(answerCount, at: 6)
        base.storeBigEndian(authorityCount, at: 8)
        base.storeBigEndian(UInt16(query.edns == nil ? 0 : 1), at: 10)
        var position = query.questionEnd
        if let bodyBase = body.baseAddress, body.count > 0 {
            (base + position).initialize(from: bodyBase.assumingMemoryBound(to: UInt8.self), count: body.count)
            for offset in pointerOffsets {
                let field = base + position + offset
                let target = (Int(field[0] & 0x3f) << 8 | Int(field[1])) + shift
                field.storeBigEndian(0xc000 | UInt16(target), at: 0)
            }
            position += body.count
        }
        if let edns = query.edns {
            ReplyRules.writeOPT(dnssecOK: edns.dnssecOK, to: base + position)
        }
    }
}
