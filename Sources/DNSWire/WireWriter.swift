/// Builds a DNS message, compressing names against the ones already written (RFC 1035 4.1.4).
public struct WireWriter {
    public private(set) var bytes: [UInt8]
    /// Offsets of the labels written uncompressed so far: the places a later name may point to.
    /// A response holds few names, so scanning these beats hashing every suffix of every name.
    private var labelOffsets: [UInt16] = []

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
    /// `compress` is set, and remembering its own labels as targets for later names either way.
    public mutating func writeName(_ name: DNSName, compress: Bool = true) {
        let wire = name.wire
        // Only names already complete are targets: this name's own labels have no end yet.
        let completeTargets = labelOffsets.count
        var index = 0
        while wire[index] != 0 {
            if compress, let target = earlierName(matching: wire, from: index, among: completeTargets) {
                writeUInt16(0xc000 | target)
                return
            }
            if bytes.count < 0x3fff { labelOffsets.append(UInt16(bytes.count)) }
            let length = Int(wire[index])
            bytes.append(contentsOf: wire[index...(index + length)])
            index += length + 1
        }
        bytes.append(0)
    }

    /// The offset of a name already in the message equal, ignoring ASCII case, to the suffix of
    /// `wire` that starts at `start`, among the first `count` targets.
    private func earlierName(matching wire: [UInt8], from start: Int, among count: Int) -> UInt16? {
        for offset in labelOffsets[..<count] where bytes[Int(offset)] == wire[start] && nameAt(Int(offset), equals: wire, from: start) {
            return offset
        }
        return nil
    }

    /// Whether the (possibly compressed) name at `offset` in the message equals `wire[start...]`.
    private func nameAt(_ offset: Int, equals wire: [UInt8], from start: Int) -> Bool {
        var position = offset, index = start
        while true {
            while bytes[position] & 0xc0 == 0xc0 {
                position = Int(bytes[position] & 0x3f) << 8 | Int(bytes[position + 1])
            }
            let length = Int(bytes[position])
            guard length == Int(wire[index]) else { return false }
            if length == 0 { return true }
            for step in 1...length where DNSName.lower(bytes[position + step]) != DNSName.lower(wire[index + step]) {
                return false
            }
            position += length + 1
            index += length + 1
        }
    }

    /// Cuts the message back to `length` bytes, forgetting compression targets beyond it.
    public mutating func truncate(to length: Int) {
        guard length < bytes.count else { return }
        bytes.removeSubrange(length...)
        labelOffsets.removeAll { Int($0) >= length }
    }
}
