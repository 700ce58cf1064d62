/// What answering a plain query needs, read straight from the datagram without building a
/// `Message`: the header, the one question (its name lowercased into a caller's buffer) and the
/// OPT record.
///
/// Only the common shape is read: one question whose name has no compression pointer, no answer
/// or authority records, at most one additional record, which must be a well-formed OPT owned by
/// the root. Anything else gives nil, and the caller decodes the whole message, which knows
/// every error to report (FORMERR, BADVERS, ...).
public struct QueryView: Sendable {
    public var id: UInt16
    public var flags: UInt16
    /// Bytes of the question name on the wire (the name starts at offset 12).
    public var nameLength: Int
    /// The offset just past the question (12 + name + type + class): where the answer starts.
    public var questionEnd: Int
    public var type: RRType
    public var dnsClass: DNSClass
    /// The OPT record's fields, when the query has one.
    public var edns: EDNSView?

    /// The OPT fields a reply depends on.
    public struct EDNSView: Sendable, Equatable {
        public var udpPayloadSize: UInt16
        public var version: UInt8
        public var dnssecOK: Bool
    }

    /// The largest name on the wire (RFC 1035 3.1): callers size the folding buffer with it.
    public static let maxNameLength = 255

    /// Reads `bytes`; the question name, ASCII-lowercased, goes into `folded` (at least
    /// `maxNameLength` bytes). Nil when the packet is not of the plain shape described above.
    @inline(__always)
    public init?(_ bytes: UnsafeRawBufferPointer, folding folded: UnsafeMutablePointer<UInt8>) {
        let count = bytes.count
        guard count >= 17, let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        @inline(__always) func word(_ offset: Int) -> UInt16 { UInt16(base[offset]) << 8 | UInt16(base[offset + 1]) }
        // QDCOUNT 1, ANCOUNT 0, NSCOUNT 0, ARCOUNT 0 or 1.
        guard word(4) == 1, word(6) == 0, word(8) == 0 else { return nil }
        let additional = word(10)
        guard additional <= 1 else { return nil }
        // The name's labels: lengths below 64 (no pointer), at most 255 bytes in all.
        var position = 12
        while true {
            guard position < count else { return nil }
            let length = Int(base[position])
            if length == 0 { position += 1; break }
            guard length < 64, position + 1 + length < count, position + 1 + length - 12 < Self.maxNameLength else { return nil }
            position += 1 + length
        }
        // Lowercased 8 bytes at a time; length bytes are below 64, so no length is ever a letter.
        let raw = UnsafeRawPointer(base + 12)
        let out = UnsafeMutableRawPointer(folded)
        var offset = 0
        while offset + 8 <= position - 12 {
            out.storeBytes(of: asciiLowercased(raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)),
                           toByteOffset: offset, as: UInt64.self)
            offset += 8
        }
        while offset < position - 12 {
            let byte = base[12 + offset]
            folded[offset] = byte &- 65 < 26 ? byte | 0x20 : byte
            offset += 1
        }
        let nameLength = position - 12
        guard position + 4 <= count else { return nil }
        type = RRType(word(position))
        dnsClass = DNSClass(word(position + 2))
        position += 4
        questionEnd = position
        if additional == 1 {
            // Root owner, type OPT, class = payload size, TTL = extended RCODE, version, flags.
            guard position + 11 <= count, base[position] == 0, word(position + 1) == RRType.opt.rawValue else { return nil }
            let rdataLength = Int(word(position + 9))
            guard position + 11 + rdataLength == count else { return nil }
            // Options must each fit inside the RDATA, as the full decoder checks.
            var option = position + 11
            while option < count {
                guard option + 4 <= count else { return nil }
                option += 4 + Int(word(option + 2))
            }
            guard option == count else { return nil }
            edns = EDNSView(udpPayloadSize: word(position + 3), version: base[position + 6],
                            dnssecOK: base[position + 7] & 0x80 != 0)
        } else {
            guard position == count else { return nil }
            edns = nil
        }
        id = word(0)
        flags = word(2)
        self.nameLength = nameLength
    }

    /// The question name as the client spelled it.
    public func questionName(in bytes: UnsafeRawBufferPointer) -> DNSName {
        DNSName(uncheckedWire: Array(bytes[12..<12 + nameLength]))
    }

    /// The OPT record's fields as an `EDNS` value (options are not kept: replies never echo them).
    public var ednsValue: EDNS? {
        edns.map { EDNS(udpPayloadSize: $0.udpPayloadSize, version: $0.version, dnssecOK: $0.dnssecOK) }
    }
}
