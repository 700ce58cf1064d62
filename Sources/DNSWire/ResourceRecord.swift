/// One resource record: owner, class, TTL and typed RDATA (the type comes from the RDATA).
public struct ResourceRecord: Hashable, Sendable {
    public var name: DNSName
    public var dnsClass: DNSClass
    public var ttl: UInt32
    public var rdata: RData

    public init(name: DNSName, dnsClass: DNSClass = .internet, ttl: UInt32, rdata: RData) {
        self.name = name
        self.dnsClass = dnsClass
        self.ttl = ttl
        self.rdata = rdata
    }

    public var type: RRType { rdata.type }

    /// Writes owner, type, class, TTL, RDLENGTH and RDATA. Throws, leaving `writer` with a partial
    /// record the caller discards, when the RDATA does not fit RDLENGTH (65535 bytes).
    public func encode(to writer: inout WireWriter) throws(DNSWireError) {
        writer.writeName(name)
        writer.writeUInt16(type.rawValue)
        writer.writeUInt16(dnsClass.rawValue)
        writer.writeUInt32(ttl)
        let lengthOffset = writer.count
        writer.writeUInt16(0)
        try rdata.encode(to: &writer)
        let length = writer.count - lengthOffset - 2
        guard length <= 65535 else { throw .fieldTooLong(what: "\(type) RDATA", length: length, limit: 65535) }
        writer.patchUInt16(UInt16(length), at: lengthOffset)
    }
}

/// A question: name, type and class.
public struct Question: Hashable, Sendable {
    public var name: DNSName
    public var type: RRType
    public var dnsClass: DNSClass

    public init(name: DNSName, type: RRType, dnsClass: DNSClass = .internet) {
        self.name = name
        self.type = type
        self.dnsClass = dnsClass
    }
}
