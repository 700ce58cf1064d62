import Platform

public import IPAddress

/// The upstream set one `UpstreamChannel` forwards to, and how long it keeps trying.
public struct UpstreamConfiguration: Hashable, Sendable {
    /// Tried in this order (no rotation); each is asked over UDP, and over TCP when it truncates.
    public var servers: [SocketAddress]
    /// How long one try waits for an answer (c-ares `ARES_OPT_TIMEOUTMS`, at least 1 ms).
    /// c-ares doubles it on each later round through the server list.
    public var timeout: Duration
    /// How many rounds through the server list c-ares makes (c-ares `ARES_OPT_TRIES`, at least 1).
    public var tries: Int
    /// Whether the letters of each query name go upstream in random case (DNS 0x20) and an answer
    /// must echo that case exactly. Off: the name goes as the client spelled it and the answer's
    /// question is compared without regard to case, for upstreams that do not echo the case.
    public var randomizesCase: Bool

    public init(servers: [SocketAddress], timeout: Duration = .milliseconds(2000), tries: Int = 2, randomizesCase: Bool = true) {
        self.servers = servers
        self.timeout = timeout
        self.tries = tries
        self.randomizesCase = randomizesCase
    }

    /// The most a query waits before it completes with `.timeout`: `timeout × tries × servers`.
    /// The channel enforces it itself, because c-ares's doubling would otherwise stretch a silent
    /// upstream set to `timeout × (2^tries − 1) × servers`.
    public var deadline: Duration {
        timeout * (tries * max(servers.count, 1))
    }

    /// `timeout` in whole milliseconds, as c-ares wants it; nil when out of range.
    var timeoutMilliseconds: Int32? {
        let milliseconds = timeout.inMilliseconds
        guard milliseconds >= 1, milliseconds <= Int64(Int32.max) else { return nil }
        return Int32(milliseconds)
    }
}
