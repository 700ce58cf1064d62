import Platform

/// EDNS(0) data carried by the OPT pseudo-record (RFC 6891).
public struct EDNS: Hashable, Sendable {
    /// One EDNS option, kept as raw bytes.
    public struct Option: Hashable, Sendable {
        public var code: UInt16
        public var data: [UInt8]
        public init(code: UInt16, data: [UInt8]) {
            self.code = code
            self.data = data
        }
    }

    /// The requestor's UDP payload size (the OPT record's CLASS field).
    public var udpPayloadSize: UInt16
    /// The upper 8 bits of the 12-bit response code.
    public var extendedRCode: UInt8
    public var version: UInt8
    /// The DNSSEC OK bit.
    public var dnssecOK: Bool
    /// The other 15 flag bits, kept as received.
    public var otherFlags: UInt16
    public var options: [Option]

    public init(udpPayloadSize: UInt16 = 4096, extendedRCode: UInt8 = 0, version: UInt8 = 0, dnssecOK: Bool = false,
                otherFlags: UInt16 = 0, options: [Option] = []) {
        self.udpPayloadSize = udpPayloadSize
        self.extendedRCode = extendedRCode
        self.version = version
        self.dnssecOK = dnssecOK
        self.otherFlags = otherFlags
        self.options = options
    }

    /// Decodes the OPT record's CLASS, TTL and RDATA.
    init(classField: UInt16, ttlField: UInt32, rdata: [UInt8]) throws(DNSWireError) {
        udpPayloadSize = classField
        extendedRCode = UInt8(ttlField >> 24)
        version = UInt8(ttlField >> 16 & 0xff)
        dnssecOK = ttlField & 0x8000 != 0
        otherFlags = UInt16(ttlField & 0x7fff)
        var parsed: [Option] = []
        var index = 0
        while index < rdata.count {
            guard index + 4 <= rdata.count else { throw .badOPT(reason: "truncated option header") }
            let code = rdata.bigEndianUInt16(at: index)
            let length = Int(rdata.bigEndianUInt16(at: index + 2))
            guard index + 4 + length <= rdata.count else { throw .badOPT(reason: "option \(code) overruns RDATA") }
            parsed.append(Option(code: code, data: Array(rdata[(index + 4)..<(index + 4 + length)])))
            index += 4 + length
        }
        options = parsed
    }

    /// Writes the whole OPT record (owner, type, class, TTL, RDATA); the caller counts it in ARCOUNT.
    /// Throws, writing nothing, when the options exceed the 65535 bytes RDLENGTH can count.
    public func encode(to writer: inout WireWriter) throws(DNSWireError) {
        let length = encodedOptionsLength
        guard length <= 65535, options.allSatisfy({ $0.data.count <= 65535 }) else {
            throw .fieldTooLong(what: "EDNS options", length: length, limit: 65535)
        }
        writer.writeUInt8(0)
        writer.writeUInt16(RRType.opt.rawValue)
        writer.writeUInt16(udpPayloadSize)
        writer.writeUInt32(UInt32(extendedRCode) << 24 | UInt32(version) << 16 | (dnssecOK ? 0x8000 : 0) | UInt32(otherFlags & 0x7fff))
        writer.writeUInt16(UInt16(length))
        for option in options {
            writer.writeUInt16(option.code)
            writer.writeUInt16(UInt16(option.data.count))
            writer.writeBytes(option.data)
        }
    }

    var encodedOptionsLength: Int { options.reduce(0) { $0 + 4 + $1.data.count } }

    /// Bytes the OPT record takes on the wire.
    public var encodedSize: Int { 11 + encodedOptionsLength }
}
