import DNSWire
import Platform

/// Replies assembled from the query's own bytes: its header (patched), its question as the
/// client spelled it, a precompiled body, and the OPT record; the same bytes `ResponseBuilder`
/// would encode for the same sections, without building a message.
enum FastReply {
    /// Where a precompiled body holds compression pointers that move with the query name: at
    /// most three (an SOA record's owner, MNAME and RNAME), kept inline so a reply reads no array.
    struct PointerOffsets {
        private var offsets: (UInt16, UInt16, UInt16) = (0, 0, 0)
        private var stored: UInt8 = 0

        var count: Int { Int(stored) }

        /// Adds `offset`; false when three are held already or it does not fit.
        mutating func append(_ offset: Int) -> Bool {
            guard count < 3, let offset = UInt16(exactly: offset) else { return false }
            switch count {
            case 0: offsets.0 = offset
            case 1: offsets.1 = offset
            default: offsets.2 = offset
            }
            stored += 1
            return true
        }

        subscript(index: Int) -> Int {
            switch index {
            case 0: Int(offsets.0)
            case 1: Int(offsets.1)
            default: Int(offsets.2)
            }
        }
    }

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
                      pointerOffsets: PointerOffsets = PointerOffsets(), shift: Int = 0) {
        let base = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
        base.initialize(from: request.baseAddress!.assumingMemoryBound(to: UInt8.self), count: query.questionEnd)
        base.storeBigEndian(ReplyRules.flags(query: query.flags, rcode: rcode.rawValue), at: 2)
        base.storeBigEndian(answerCount, at: 6)
        base.storeBigEndian(authorityCount, at: 8)
        base.storeBigEndian(UInt16(query.edns == nil ? 0 : 1), at: 10)
        var position = query.questionEnd
        if let bodyBase = body.baseAddress, body.count > 0 {
            (base + position).initialize(from: bodyBase.assumingMemoryBound(to: UInt8.self), count: body.count)
            for index in 0..<pointerOffsets.count {
                let field = base + position + pointerOffsets[index]
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
