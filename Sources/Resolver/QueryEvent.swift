import DNSWire
import IPAddress
import VPCModel

/// What happened to one query: the record the query log, logs and tests read.
public struct QueryEvent: Sendable {
    public enum Transport: String, Sendable { case udp = "UDP", tcp = "TCP" }

    public var client: SocketAddress
    public var transport: Transport
    public var question: Question?
    public var rcode: RCode
    /// Empty for answers served from the cache as stored bytes (they are not decoded for logging).
    public var answers: [ResourceRecord]
    /// Nil for queries refused or dropped at the door before a view was chosen.
    public var reason: Reason?
    /// Whether the answer came from the cache of forwarded answers.
    public var fromCache: Bool
    /// Whether the query got no response at all.
    public var dropped: Bool
    /// Whether it was dropped by the per-client rate limit (then nothing else is known of it).
    public var rateLimited = false
}

/// Receives query events; called on whatever queue finished the query, so keep it cheap.
public typealias QueryObserver = @Sendable (QueryEvent) -> Void
