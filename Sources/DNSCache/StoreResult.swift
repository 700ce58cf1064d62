import DNSWire

/// What `DNSCache.store` did with a response, for query logs, debugging and tests.
public enum StoreResult: Hashable, Sendable {
    /// Cached for `ttl` seconds; `negative` for NXDOMAIN and NODATA (RFC 2308).
    case stored(ttl: UInt32, negative: Bool)
    case notCached(NotCached)

    /// Why a response was not cached.
    public enum NotCached: Error, Hashable, Sendable, CustomStringConvertible {
        /// `maxEntries` is 0.
        case disabled
        /// The bytes given to `store(wire:for:)` did not decode.
        case undecodable(DNSWireError)
        /// QR was not set.
        case notAResponse
        /// TC was set: a truncated answer is incomplete and must be retried over TCP, not replayed.
        case truncated
        /// Only NOERROR and NXDOMAIN are cached; SERVFAIL, REFUSED, FORMERR, NOTIMP, ... never.
        case rcode(RCode)
        /// The question is not exactly one question equal to the key's name, type and class.
        case questionMismatch
        /// NXDOMAIN or NODATA without an SOA in the authority section (RFC 2308 section 5).
        case noSOA
        /// A record TTL, or the negative TTL min(SOA TTL, SOA MINIMUM), was 0: "use once, do not cache".
        case zeroTTL
        /// The entry alone would exceed `maxBytes`, or did not fit in 65535 bytes.
        case tooLarge(Int)

        public var description: String {
            switch self {
            case .disabled: "cache disabled"
            case .undecodable(let error): "undecodable: \(error)"
            case .notAResponse: "not a response"
            case .truncated: "truncated (TC)"
            case .rcode(let rcode): "rcode \(rcode)"
            case .questionMismatch: "question differs from the key"
            case .noSOA: "negative answer without SOA"
            case .zeroTTL: "TTL 0"
            case .tooLarge(let size): "too large (\(size) bytes)"
            }
        }
    }
}
