import IPAddress

/// The start of authority values (RFC 1035 3.3.13).
public struct SOA: Hashable, Sendable {
    public var mname: DNSName
    public var rname: DNSName
    public var serial: UInt32
    public var refresh: UInt32
    public var retry: UInt32
    public var expire: UInt32
    public var minimum: UInt32

    public init(mname: DNSName, rname: DNSName, serial: UInt32, refresh: UInt32, retry: UInt32, expire: UInt32, minimum: UInt32) {
        self.mname = mname
        self.rname = rname
        self.serial = serial
        self.refresh = refresh
        self.retry = retry
        self.expire = expire
        self.minimum = minimum
    }
}

/// Typed RDATA for the types vpcdns serves, and opaque bytes (RFC 3597) for every other type so
/// such records can be forwarded, cached and served unchanged.
public enum RData: Hashable, Sendable {
    case a(IPv4Address)
    case aaaa(IPv6Address)
    case cname(DNSName)
    case ns(DNSName)
    case ptr(DNSName)
    case soa(SOA)
    case mx(preference: UInt16, exchange: DNSName)
    /// One or more character-strings of at most 255 bytes each.
    case txt([[UInt8]])
    case srv(priority: UInt16, weight: UInt16, port: UInt16, target: DNSName)
    case caa(flags: UInt8, tag: [UInt8], value: [UInt8])
    case unknown(type: RRType, bytes: [UInt8])

    public var type: RRType {
        switch self {
        case .a: .a
        case .aaaa: .aaaa
        case .cname: .cname
        case .ns: .ns
        case .ptr: .ptr
        case .soa: .soa
        case .mx: .mx
        case .txt: .txt
        case .srv: .srv
        case .caa: .caa
        case .unknown(let type, _): type
        }
    }

    /// Decodes `length` bytes of RDATA of `type` at the reader's position; the reader must end
    /// exactly at the RDATA's end.
    public static func decode(type: RRType, length: Int, from reader: inout WireReader) throws(DNSWireError) -> RData {
        let start = reader.offset
        try reader.require(length)
        let end = start + length
        let rdata: RData
        switch type {
        case .a:
            guard length == 4 else { throw .badRData(type: type, reason: "length \(length), expected 4") }
            rdata = .a(IPv4Address(try reader.readUInt32()))
        case .aaaa:
            guard length == 16 else { throw .badRData(type: type, reason: "length \(length), expected 16") }
            rdata = .aaaa(IPv6Address(bytes: try reader.readBytes(16)))
        case .cname:
            rdata = .cname(try reader.readName())
        case .ns:
            rdata = .ns(try reader.readName())
        case .ptr:
            rdata = .ptr(try reader.readName())
        case .soa:
            rdata = .soa(SOA(mname: try reader.readName(), rname: try reader.readName(), serial: try reader.readUInt32(),
                             refresh: try reader.readUInt32(), retry: try reader.readUInt32(),
                             expire: try reader.readUInt32(), minimum: try reader.readUInt32()))
        case .mx:
            rdata = .mx(preference: try reader.readUInt16(), exchange: try reader.readName())
        case .txt:
            guard length > 0 else { throw .badRData(type: type, reason: "empty TXT RDATA") }
            var strings: [[UInt8]] = []
            while reader.offset < end {
                let count = Int(try reader.readUInt8())
                guard reader.offset + count <= end else { throw .badRData(type: type, reason: "character-string overruns RDATA") }
                strings.append(try reader.readBytes(count))
            }
            rdata = .txt(strings)
        case .srv:
            rdata = .srv(priority: try reader.readUInt16(), weight: try reader.readUInt16(), port: try reader.readUInt16(),
                         target: try reader.readName())
        case .caa:
            let flags = try reader.readUInt8()
            let tagLength = Int(try reader.readUInt8())
            guard tagLength >= 1, reader.offset + tagLength <= end else { throw .badRData(type: type, reason: "bad tag length") }
            let tag = try reader.readBytes(tagLength)
            rdata = .caa(flags: flags, tag: tag, value: try reader.readBytes(end - reader.offset))
        default:
            rdata = .unknown(type: type, bytes: try reader.readBytes(length))
        }
        guard reader.offset == end else {
            throw .rdataLengthMismatch(type: type, declared: length, used: reader.offset - start)
        }
        return rdata
    }

    /// Decodes standalone RDATA bytes (no compression pointers can resolve outside them).
    public static func decode(type: RRType, bytes: [UInt8]) throws(DNSWireError) -> RData {
        var result: Result<RData, DNSWireError>!
        bytes.withUnsafeBytes { buffer in
            var reader = WireReader(buffer)
            do throws(DNSWireError) {
                result = .success(try RData.decode(type: type, length: bytes.count, from: &reader))
            } catch {
                result = .failure(error)
            }
        }
        return try result.get()
    }

    /// Writes the RDATA (without its length). Names are compressed only in the RFC 1035 types
    /// (RFC 3597 section 4). Throws when a TXT character-string or CAA tag exceeds 255 bytes.
    public func encode(to writer: inout WireWriter) throws(DNSWireError) {
        switch self {
        case .a(let address): writer.writeUInt32(address.value)
        case .aaaa(let address): writer.writeBytes(address.bytes)
        case .cname(let name), .ns(let name), .ptr(let name): writer.writeName(name)
        case .soa(let soa):
            writer.writeName(soa.mname)
            writer.writeName(soa.rname)
            for value in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] { writer.writeUInt32(value) }
        case .mx(let preference, let exchange):
            writer.writeUInt16(preference)
            writer.writeName(exchange)
        case .txt(let strings):
            for string in strings {
                guard string.count <= 255 else { throw .fieldTooLong(what: "TXT character-string", length: string.count, limit: 255) }
                writer.writeUInt8(UInt8(string.count))
                writer.writeBytes(string)
            }
        case .srv(let priority, let weight, let port, let target):
            writer.writeUInt16(priority)
            writer.writeUInt16(weight)
            writer.writeUInt16(port)
            writer.writeName(target, compress: false)
        case .caa(let flags, let tag, let value):
            guard tag.count <= 255 else { throw .fieldTooLong(what: "CAA tag", length: tag.count, limit: 255) }
            writer.writeUInt8(flags)
            writer.writeUInt8(UInt8(tag.count))
            writer.writeBytes(tag)
            writer.writeBytes(value)
        case .unknown(_, let bytes):
            writer.writeBytes(bytes)
        }
    }

    /// The length of the RDATA in uncompressed wire form; RDLENGTH can count at most 65535.
    public var uncompressedLength: Int {
        switch self {
        case .a: 4
        case .aaaa: 16
        case .cname(let name), .ns(let name), .ptr(let name): name.wire.count
        case .soa(let soa): soa.mname.wire.count + soa.rname.wire.count + 20
        case .mx(_, let exchange): 2 + exchange.wire.count
        case .txt(let strings): strings.reduce(0) { $0 + 1 + $1.count }
        case .srv(_, _, _, let target): 6 + target.wire.count
        case .caa(_, let tag, let value): 2 + tag.count + value.count
        case .unknown(_, let bytes): bytes.count
        }
    }

    /// The RDATA in uncompressed wire form (for RFC 3597 `\#` output and comparisons). RDATA that
    /// cannot be encoded gives the bytes written before the failing field.
    public var uncompressedWire: [UInt8] {
        var writer = WireWriter(capacity: 64)
        switch self {
        case .cname(let name), .ns(let name), .ptr(let name): writer.writeName(name, compress: false)
        case .soa(let soa):
            writer.writeName(soa.mname, compress: false)
            writer.writeName(soa.rname, compress: false)
            for value in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] { writer.writeUInt32(value) }
        case .mx(let preference, let exchange):
            writer.writeUInt16(preference)
            writer.writeName(exchange, compress: false)
        default:
            try? encode(to: &writer)
        }
        return writer.bytes
    }
}
