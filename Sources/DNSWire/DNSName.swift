/// A domain name as raw labels, in uncompressed wire form.
///
/// Comparison and hashing are ASCII case-insensitive (RFC 4343), while the original case is kept
/// for answers. Labels are raw bytes: a `.` inside a label is data, written `\.` in presentation form.
public struct DNSName: Sendable {
    /// Length-prefixed labels ending with the zero-length root label; at most 255 bytes.
    public let wire: [UInt8]

    /// The root name `.`.
    public static let root = DNSName(uncheckedWire: [0])

    /// Wraps wire bytes that are already known to be valid.
    init(uncheckedWire: [UInt8]) {
        wire = uncheckedWire
    }

    /// Builds a name from labels, checking RFC 1035 limits (63 bytes a label, 255 in all).
    public init(labels: some Sequence<some Collection<UInt8>>) throws(DNSNameError) {
        var bytes: [UInt8] = []
        for label in labels {
            guard !label.isEmpty else { throw .emptyLabel }
            guard label.count <= 63 else { throw .labelTooLong(label.count) }
            bytes.append(UInt8(label.count))
            bytes.append(contentsOf: label)
        }
        bytes.append(0)
        guard bytes.count <= 255 else { throw .nameTooLong(bytes.count) }
        wire = bytes
    }

    /// Number of labels, not counting the root label.
    public var labelCount: Int {
        var count = 0
        var index = 0
        while wire[index] != 0 {
            count += 1
            index += Int(wire[index]) + 1
        }
        return count
    }

    public var isRoot: Bool { wire.count == 1 }

    /// The labels from the leftmost to the one before the root.
    public var labels: [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var index = 0
        while wire[index] != 0 {
            let length = Int(wire[index])
            result.append(wire[(index + 1)...(index + length)])
            index += length + 1
        }
        return result
    }

    /// Whether the leftmost label is `*` (a wildcard owner, RFC 4592).
    public var isWildcard: Bool {
        wire.count > 2 && wire[0] == 1 && wire[1] == UInt8(ascii: "*")
    }

    /// The name with the leftmost label removed; nil for the root.
    public var parent: DNSName? {
        isRoot ? nil : DNSName(uncheckedWire: Array(wire[(Int(wire[0]) + 1)...]))
    }

    /// The wire bytes of the suffix starting `count` labels from the left.
    func suffixWire(droppingLabels count: Int) -> ArraySlice<UInt8> {
        var index = 0
        for _ in 0..<count where wire[index] != 0 {
            index += Int(wire[index]) + 1
        }
        return wire[index...]
    }

    /// The name with its `count` leftmost labels removed.
    public func dropping(labels count: Int) -> DNSName {
        DNSName(uncheckedWire: Array(suffixWire(droppingLabels: count)))
    }

    /// Whether this name equals `other` or lies below it.
    public func isSubdomain(of other: DNSName) -> Bool {
        let extra = labelCount - other.labelCount
        guard extra >= 0 else { return false }
        return Self.equalIgnoringCase(suffixWire(droppingLabels: extra), other.wire[...])
    }

    /// This name with `label` added on the left.
    public func prepending(label: some Collection<UInt8>) throws(DNSNameError) -> DNSName {
        guard !label.isEmpty else { throw .emptyLabel }
        guard label.count <= 63 else { throw .labelTooLong(label.count) }
        guard wire.count + label.count + 1 <= 255 else { throw .nameTooLong(wire.count + label.count + 1) }
        return DNSName(uncheckedWire: [UInt8(label.count)] + label + wire)
    }

    /// This (relative) name followed by `origin`.
    public func appending(_ origin: DNSName) throws(DNSNameError) -> DNSName {
        let total = wire.count - 1 + origin.wire.count
        guard total <= 255 else { throw .nameTooLong(total) }
        return DNSName(uncheckedWire: Array(wire.dropLast()) + origin.wire)
    }

    /// The same name with ASCII letters lowercased.
    public func lowercased() -> DNSName {
        DNSName(uncheckedWire: wire.map(Self.lower))
    }

    @inline(__always)
    static func lower(_ byte: UInt8) -> UInt8 {
        byte &- 65 < 26 ? byte | 0x20 : byte
    }

    static func equalIgnoringCase(_ lhs: ArraySlice<UInt8>, _ rhs: ArraySlice<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var left = lhs.startIndex, right = rhs.startIndex
        while left < lhs.endIndex {
            if lower(lhs[left]) != lower(rhs[right]) { return false }
            left += 1
            right += 1
        }
        return true
    }
}

extension DNSName: Hashable {
    /// One pass, stopping at the first difference (dictionary probes compare mostly unequal names).
    public static func == (lhs: DNSName, rhs: DNSName) -> Bool {
        lhs.wire.withUnsafeBufferPointer { left in
            rhs.wire.withUnsafeBufferPointer { right in
                guard left.count == right.count else { return false }
                if left.baseAddress == right.baseAddress { return true }
                for index in 0..<left.count where left[index] != right[index] && lower(left[index]) != lower(right[index]) {
                    return false
                }
                return true
            }
        }
    }

    /// Hashes the case-folded wire bytes in one call (no per-byte hasher rounds, no heap copy).
    public func hash(into hasher: inout Hasher) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: wire.count) { folded in
            for (index, byte) in wire.enumerated() { folded[index] = Self.lower(byte) }
            hasher.combine(bytes: UnsafeRawBufferPointer(folded))
        }
    }
}

extension DNSName: Comparable {
    /// RFC 4034 section 6.1 canonical order: label by label from the right, case-folded.
    public static func < (lhs: DNSName, rhs: DNSName) -> Bool {
        let left = lhs.labels.reversed().map { $0.map(lower) }
        let right = rhs.labels.reversed().map { $0.map(lower) }
        for (a, b) in zip(left, right) where a != b {
            return a.lexicographicallyPrecedes(b)
        }
        return left.count < right.count
    }
}

/// Why a name could not be built.
public enum DNSNameError: Error, Sendable, Hashable, CustomStringConvertible {
    case emptyLabel
    case labelTooLong(Int)
    case nameTooLong(Int)
    case badEscape(String)
    case empty

    public var description: String {
        switch self {
        case .emptyLabel: "empty label"
        case .labelTooLong(let length): "label of \(length) bytes exceeds 63"
        case .nameTooLong(let length): "name of \(length) bytes exceeds 255"
        case .badEscape(let text): "bad escape \(text)"
        case .empty: "empty name"
        }
    }
}
