import Platform

/// The 12-byte message header (RFC 1035 4.1.1) without its section counts, which the codec
/// derives from the sections.
public struct Header: Hashable, Sendable {
    public var id: UInt16
    /// The 16 flag bits exactly as on the wire: QR, OPCODE, AA, TC, RD, RA, Z, AD, CD, RCODE.
    public var flags: UInt16

    public init(id: UInt16 = 0, flags: UInt16 = 0) {
        self.id = id
        self.flags = flags
    }

    public var isResponse: Bool {
        get { bit(15) }
        set { setBit(15, newValue) }
    }

    public var opcode: OpCode {
        get { OpCode(UInt8(flags >> 11 & 0xf)) }
        set { flags = flags & ~(0xf << 11) | UInt16(newValue.rawValue & 0xf) << 11 }
    }

    public var authoritative: Bool {
        get { bit(10) }
        set { setBit(10, newValue) }
    }

    public var truncated: Bool {
        get { bit(9) }
        set { setBit(9, newValue) }
    }

    public var recursionDesired: Bool {
        get { bit(8) }
        set { setBit(8, newValue) }
    }

    public var recursionAvailable: Bool {
        get { bit(7) }
        set { setBit(7, newValue) }
    }

    public var authenticData: Bool {
        get { bit(5) }
        set { setBit(5, newValue) }
    }

    public var checkingDisabled: Bool {
        get { bit(4) }
        set { setBit(4, newValue) }
    }

    /// The low 4 bits of the response code; EDNS holds the upper 8.
    public var rcodeLow: UInt8 {
        get { UInt8(flags & 0xf) }
        set { flags = flags & ~0xf | UInt16(newValue & 0xf) }
    }

    private func bit(_ index: UInt16) -> Bool { flags >> index & 1 == 1 }

    private mutating func setBit(_ index: UInt16, _ value: Bool) {
        if value { flags |= 1 << index } else { flags &= ~(1 << index) }
    }

    /// The header alone with all four section counts zero: a message that can always be written.
    public var wireWithoutSections: [UInt8] {
        [UInt8(id >> 8), UInt8(id & 0xff), UInt8(flags >> 8), UInt8(flags & 0xff), 0, 0, 0, 0, 0, 0, 0, 0]
    }
}

/// The header's fixed fields read without decoding the rest: the cheap check done on every
/// datagram before any full decode.
public struct HeaderPeek: Sendable {
    public var header: Header
    public var questionCount: UInt16
    public var answerCount: UInt16
    public var authorityCount: UInt16
    public var additionalCount: UInt16

    /// Nil when fewer than 12 bytes arrived: such a packet cannot even be answered with FORMERR.
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 12 else { return nil }
        header = Header(id: bytes.bigEndianUInt16(at: 0), flags: bytes.bigEndianUInt16(at: 2))
        questionCount = bytes.bigEndianUInt16(at: 4)
        answerCount = bytes.bigEndianUInt16(at: 6)
        authorityCount = bytes.bigEndianUInt16(at: 8)
        additionalCount = bytes.bigEndianUInt16(at: 10)
    }
}
