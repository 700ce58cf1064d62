import DNSWire
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

/// The eight bytes of `word` with A-Z turned into a-z and every other byte unchanged (SWAR).
@inline(__always)
func asciiLowercased(_ word: UInt64) -> UInt64 {
    let low7 = word & 0x7f7f_7f7f_7f7f_7f7f
    // Per byte (no carries: each sum stays below 0x100): bit 7 of low7 + 0x3f is set from 'A'
    // up, of low7 + 0x25 from '[' up; ~word excludes bytes with bit 7 set.
    let upper = (low7 &+ 0x3f3f_3f3f_3f3f_3f3f) & ~(low7 &+ 0x2525_2525_2525_2525) & ~word & 0x8080_8080_8080_8080
    return word | upper >> 2
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
