import Platform

/// A bounds-checked cursor over a DNS message. Every read checks the remaining length first and
/// throws `DNSWireError` instead of trapping; names are decompressed with loop and length limits.
public struct WireReader: ~Copyable {
    let bytes: UnsafeRawBufferPointer
    public private(set) var offset: Int

    /// Most pointers followed for one name: more than a legal name could ever need.
    static let maxPointerHops = 126

    public init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    public var remaining: Int { bytes.count - offset }

    @inline(__always)
    func require(_ count: Int) throws(DNSWireError) {
        guard count <= bytes.count - offset else { throw .insufficientBytes(offset: offset, needed: count - (bytes.count - offset)) }
    }

    public mutating func readUInt8() throws(DNSWireError) -> UInt8 {
        try require(1)
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func readUInt16() throws(DNSWireError) -> UInt16 {
        try require(2)
        defer { offset += 2 }
        return bytes.bigEndianUInt16(at: offset)
    }

    public mutating func readUInt32() throws(DNSWireError) -> UInt32 {
        try require(4)
        defer { offset += 4 }
        return bytes.bigEndianUInt32(at: offset)
    }

    public mutating func readBytes(_ count: Int) throws(DNSWireError) -> [UInt8] {
        try require(count)
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    public mutating func skip(_ count: Int) throws(DNSWireError) {
        try require(count)
        offset += count
    }

    /// Reads a possibly compressed name. A pointer must point strictly before the label that
    /// holds it, which rules out loops; hops and total length are capped as well.
    public mutating func readName() throws(DNSWireError) -> DNSName {
        let start = offset
        var wire: [UInt8] = []
        wire.reserveCapacity(32)
        var position = offset
        var jumped = false
        var hops = 0
        var lowestAllowed = offset
        while true {
            guard position < bytes.count else { throw .insufficientBytes(offset: position, needed: 1) }
            let length = bytes[position]
            switch length & 0xc0 {
            case 0x00:
                if length == 0 {
                    wire.append(0)
                    if !jumped { offset = position + 1 }
                    guard wire.count <= 255 else { throw .nameTooLong(offset: start) }
                    return DNSName(uncheckedWire: wire)
                }
                let count = Int(length)
                guard position + 1 + count <= bytes.count else {
                    throw .insufficientBytes(offset: position + 1, needed: position + 1 + count - bytes.count)
                }
                wire.append(length)
                wire.append(contentsOf: bytes[(position + 1)...(position + count)])
                guard wire.count < 255 else { throw .nameTooLong(offset: start) }
                position += 1 + count
            case 0xc0:
                guard position + 1 < bytes.count else { throw .insufficientBytes(offset: position + 1, needed: 1) }
                let target = Int(length & 0x3f) << 8 | Int(bytes[position + 1])
                guard target < lowestAllowed else { throw .badPointer(offset: position, target: target) }
                hops += 1
                guard hops <= Self.maxPointerHops else { throw .pointerChainTooLong(offset: start) }
                if !jumped { offset = position + 2 }
                jumped = true
                lowestAllowed = target
                position = target
            default:
                throw .reservedLabelType(offset: position)
            }
        }
    }
}
