/// Builds a DNS message, compressing names against the ones already written (RFC 1035 4.1.4).
public struct WireWriter {
    public private(set) var bytes: [UInt8]
    /// Offsets of name suffixes already written, keyed case-insensitively.
    private var suffixOffsets: [NameSuffix: UInt16] = [:]

    public init(capacity: Int = 512) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Continues a message already in `bytes` (for example a cached answer that only needs its OPT
    /// record appended). Names inside `bytes` are not compression targets for later names.
    public init(continuing bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var count: Int { bytes.count }

    public mutating func writeUInt8(_ value: UInt8) { bytes.append(value) }

    public mutating func writeUInt16(_ value: UInt16) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(value & 0xff))
    }

    public mutating func writeUInt32(_ value: UInt32) {
        bytes.append(UInt8(value >> 24))
        bytes.append(UInt8(value >> 16 & 0xff))
        bytes.append(UInt8(value >> 8 & 0xff))
        bytes.append(UInt8(value & 0xff))
    }

    public mutating func writeBytes(_ data: some Collection<UInt8>) { bytes.append(contentsOf: data) }

    /// Overwrites two bytes at `offset` (lengths and counts patched after the fact).
    public mutating func patchUInt16(_ value: UInt16, at offset: Int) {
        bytes[offset] = UInt8(value >> 8)
        bytes[offset + 1] = UInt8(value & 0xff)
    }

    /// Writes `name`, using a pointer for the longest suffix already in the message when
    /// `compress` is set, and remembering its own suffixes for later names either way.
    public mutating func writeName(_ name: DNSName, compress: Bool = true) {
        let wire = name.wire
        var index = 0
        while wire[index] != 0 {
            let suffix = NameSuffix(bytes: wire[index...])
            if compress, let target = suffixOffsets[suffix] {
                writeUInt16(0xc000 | target)
                return
            }
            if bytes.count < 0x3fff { suffixOffsets[suffix] = UInt16(bytes.count) }
            let length = Int(wire[index])
            bytes.append(contentsOf: wire[index...(index + length)])
            index += length + 1
        }
        bytes.append(0)
    }

    /// Cuts the message back to `length` bytes, forgetting compression targets beyond it.
    public mutating func truncate(to length: Int) {
        guard length < bytes.count else { return }
        bytes.removeSubrange(length...)
        suffixOffsets = suffixOffsets.filter { Int($0.value) < length }
    }
}

/// A name suffix in wire form, compared and hashed case-insensitively, sharing the name's storage.
struct NameSuffix: Hashable {
    let bytes: ArraySlice<UInt8>

    static func == (lhs: NameSuffix, rhs: NameSuffix) -> Bool {
        DNSName.equalIgnoringCase(lhs.bytes, rhs.bytes)
    }

    func hash(into hasher: inout Hasher) {
        for byte in bytes { hasher.combine(DNSName.lower(byte)) }
    }
}
