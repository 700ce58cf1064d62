import DNSWire
import Platform
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What a cached answer is filed under. Two queries share an entry only when every field matches.
public struct CacheKey: Hashable, Sendable {
    /// Compared case-insensitively (`DNSName`'s own equality); the client's case is restored on a hit.
    public var name: DNSName
    public var type: RRType
    public var dnsClass: DNSClass
    /// The query's DO bit: answers fetched with DNSSEC records never reach clients that did not ask.
    public var dnssecOK: Bool
    /// The upstream channel the answer came from: answers from different forward targets
    /// (resolver rules) never mix.
    public var upstreamSet: Int
    /// The view (VPC) that asked, when answers must not be shared between views; nil otherwise.
    public var view: String?

    public init(name: DNSName, type: RRType, dnsClass: DNSClass = .internet, dnssecOK: Bool = false,
                upstreamSet: Int = 0, view: String? = nil) {
        self.name = name
        self.type = type
        self.dnsClass = dnsClass
        self.dnssecOK = dnssecOK
        self.upstreamSet = upstreamSet
        self.view = view
    }

    public init(question: Question, dnssecOK: Bool = false, upstreamSet: Int = 0, view: String? = nil) {
        self.init(name: question.name, type: question.type, dnsClass: question.dnsClass, dnssecOK: dnssecOK,
                  upstreamSet: upstreamSet, view: view)
    }
}

extension CacheKey {
    /// The name of `query`'s question as the client spelled it, when that question is the key's
    /// (one question, same name ignoring case, type and class); nil otherwise.
    func questionName(of query: Message) -> DNSName? {
        guard query.questions.count == 1, let question = query.questions.first, sameName(question.name, name),
              question.type == type, question.dnsClass == dnsClass else { return nil }
        return question.name
    }
}

/// Whether two names are equal ignoring ASCII case, as `DNSName.==` decides, but with a
/// `memcmp` for the usual case of identical bytes and a pointer loop otherwise: `DNSName.==`
/// goes through ArraySlice indexing across the module boundary and was a quarter of a hit's
/// cost (perf, release build).
@inline(__always)
func sameName(_ lhs: DNSName, _ rhs: DNSName) -> Bool {
    lhs.wire.withUnsafeBufferPointer { left in
        rhs.wire.withUnsafeBufferPointer { right in
            guard left.count == right.count else { return false }
            guard let a = left.baseAddress, let b = right.baseAddress else { return left.count == 0 }
            if memcmp(a, b, left.count) == 0 { return true }
            for index in 0..<left.count {
                let x = a[index], y = b[index]
                if x != y, (x &- 65 < 26 ? x | 0x20 : x) != (y &- 65 < 26 ? y | 0x20 : y) { return false }
            }
            return true
        }
    }
}

extension CacheKey {
    /// Same equality as the synthesized one (the name case-insensitively, every other field
    /// exactly), spelled out because `hash(into:)` is custom.
    public static func == (lhs: CacheKey, rhs: CacheKey) -> Bool {
        lhs.type == rhs.type && lhs.dnsClass == rhs.dnsClass && lhs.dnssecOK == rhs.dnssecOK
            && lhs.upstreamSet == rhs.upstreamSet && sameName(lhs.name, rhs.name) && lhs.view == rhs.view
    }

    /// Hashes the name lowercased, eight bytes per `combine`: `DNSName`'s own hash feeds the
    /// hasher one byte per call, which was most of the cost of a hit (200-460 ns of ~1.1 us).
    /// Names equal ignoring case give the same words, so it agrees with `==`.
    public func hash(into hasher: inout Hasher) {
        name.wire.withUnsafeBytes { bytes in
            var offset = 0
            while offset + 8 <= bytes.count {
                hasher.combine(asciiLowercased(bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
                offset += 8
            }
            var tail: UInt64 = 0
            withUnsafeMutableBytes(of: &tail) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset...])) }
            hasher.combine(asciiLowercased(tail))
        }
        hasher.combine(UInt64(type.rawValue) | UInt64(dnsClass.rawValue) << 16 | (dnssecOK ? 1 << 32 : 0))
        hasher.combine(upstreamSet)
        if let view { hasher.combine(view) }
    }
}

extension CacheKey {
    /// The key as the cache files it: the name lowercased in wire form, type, class, a flags byte
    /// (DO, view present), the upstream set (8 bytes) and the view's UTF-8 bytes. Equal keys give
    /// equal bytes and the name is self-delimiting, so a byte comparison decides equality.
    /// `body` gets a scratch buffer (on the stack for the usual sizes), valid during the call.
    func withEncodedBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let count = name.wire.count + Self.fieldsSize(view: view)
        return try withUnsafeTemporaryAllocation(byteCount: count, alignment: 8) { buffer in
            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var position = 0
            name.wire.withUnsafeBufferPointer { wire in
                for byte in wire {
                    base[position] = byte &- 65 < 26 ? byte | 0x20 : byte
                    position += 1
                }
            }
            Self.writeFields(to: base + position, type: type, dnsClass: dnsClass, dnssecOK: dnssecOK, upstreamSet: upstreamSet, view: view)
            return try body(UnsafeRawBufferPointer(buffer))
        }
    }

    /// The encoded key of a question whose name is already lowercased wire form (`foldedName`,
    /// as `QueryView` folds it), without building a `DNSName`: the same bytes `withEncodedBytes`
    /// gives for the same key.
    static func withEncodedBytes<R>(foldedName: UnsafeRawBufferPointer, type: RRType, dnsClass: DNSClass, dnssecOK: Bool,
                                    upstreamSet: Int, view: String? = nil, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        withUnsafeTemporaryAllocation(byteCount: foldedName.count + fieldsSize(view: view), alignment: 8) { buffer in
            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            UnsafeMutableRawPointer(base).copyMemory(from: foldedName.baseAddress!, byteCount: foldedName.count)
            writeFields(to: base + foldedName.count, type: type, dnsClass: dnsClass, dnssecOK: dnssecOK, upstreamSet: upstreamSet,
                        view: view)
            return body(UnsafeRawBufferPointer(buffer))
        }
    }

    /// Bytes of the encoding after the name.
    private static func fieldsSize(view: String?) -> Int { 13 + (view?.utf8.count ?? 0) }

    /// Writes the encoding's fields after the name (`fieldsSize` bytes).
    @inline(__always)
    private static func writeFields(to base: UnsafeMutablePointer<UInt8>, type: RRType, dnsClass: DNSClass, dnssecOK: Bool,
                                    upstreamSet: Int, view: String?) {
        base.storeBigEndian(type.rawValue, at: 0)
        base.storeBigEndian(dnsClass.rawValue, at: 2)
        base[4] = (dnssecOK ? 1 : 0) | (view != nil ? 2 : 0)
        var position = 5
        let set = UInt64(bitPattern: Int64(upstreamSet))
        for shift in stride(from: 56, through: 0, by: -8) {
            base[position] = UInt8(truncatingIfNeeded: set >> UInt64(shift))
            position += 1
        }
        if let view {
            for byte in view.utf8 {
                base[position] = byte
                position += 1
            }
        }
    }

    /// The key back from its encoded bytes (the name lowercased); nil if they are not an encoding.
    init?(encoded bytes: [UInt8]) {
        var position = 0
        var labels: [ArraySlice<UInt8>] = []
        while position < bytes.count, bytes[position] != 0 {
            let length = Int(bytes[position])
            guard position + 1 + length <= bytes.count else { return nil }
            labels.append(bytes[(position + 1)..<(position + 1 + length)])
            position += 1 + length
        }
        position += 1
        guard position + 13 <= bytes.count, let name = try? DNSName(labels: labels) else { return nil }
        let flags = bytes[position + 4]
        var set: UInt64 = 0
        for index in 0..<8 { set = set << 8 | UInt64(bytes[position + 5 + index]) }
        let viewBytes = bytes[(position + 13)...]
        self.init(name: name, type: RRType(rawValue: bytes.bigEndianUInt16(at: position)),
                  dnsClass: DNSClass(rawValue: bytes.bigEndianUInt16(at: position + 2)),
                  dnssecOK: flags & 1 != 0, upstreamSet: Int(Int64(bitPattern: set)),
                  view: flags & 2 != 0 ? String(decoding: viewBytes, as: UTF8.self) : nil)
    }
}
