/// One value read from a part of vpcdns at scrape time (the cache, the TCP listeners, the query
/// log, ...): the exporter bridges it into the Prometheus registry.
public struct Sample: Sendable {
    public enum Kind: Sendable {
        /// Only grows (a restart of the part that counts it starts it again from 0).
        case counter
        case gauge
    }

    public var family: Family
    public var labels: [(String, String)]
    public var value: Double

    public init(_ family: Family, _ value: Double, labels: [(String, String)] = []) {
        self.family = family
        self.labels = labels
        self.value = value
    }

    /// A metric name, its kind and help text.
    public struct Family: Sendable, Hashable {
        /// The name without its unit, e.g. `vpcdns_cache_hits`.
        public var name: String
        /// `total` for counters, `seconds`, `bytes`, or empty.
        public var unit: String
        public var kind: Kind
        public var help: String

        public init(_ name: String, unit: String, kind: Kind, help: String) {
            self.name = name
            self.unit = unit
            self.kind = kind
            self.help = help
        }

        public var fullName: String { unit.isEmpty ? name : "\(name)_\(unit)" }

        public static func == (lhs: Family, rhs: Family) -> Bool { lhs.fullName == rhs.fullName }
        public func hash(into hasher: inout Hasher) { hasher.combine(fullName) }
    }
}

/// Something that reports samples at scrape time.
public typealias SampleSource = @Sendable () -> [Sample]

/// The metric families vpcdns exports, in one place so the README's table can be checked
/// against them.
public enum Families {
    public static let requests = Sample.Family("vpcdns_requests", unit: "total", kind: .counter,
                                               help: "Queries received, by view, transport and query type.")
    public static let responses = Sample.Family("vpcdns_responses", unit: "total", kind: .counter,
                                                help: "Queries answered, by view and response code (dropped: no response).")
    public static let answers = Sample.Family("vpcdns_answers", unit: "total", kind: .counter,
                                              help: "Responses by view and where the answer came from.")
    public static let rateLimited = Sample.Family("vpcdns_rate_limited_drops", unit: "total", kind: .counter,
                                                  help: "UDP packets dropped by the per-client rate limit.")
    public static let cacheHits = Sample.Family("vpcdns_cache_hits", unit: "total", kind: .counter, help: "Cache lookups answered.")
    public static let cacheMisses = Sample.Family("vpcdns_cache_misses", unit: "total", kind: .counter,
                                                  help: "Cache lookups not answered (absent or expired).")
    public static let cacheEvictions = Sample.Family("vpcdns_cache_evictions", unit: "total", kind: .counter,
                                                     help: "Live cache entries dropped to stay within the cache's bounds.")
    public static let cacheExpired = Sample.Family("vpcdns_cache_expired", unit: "total", kind: .counter,
                                                   help: "Cache entries dropped because their TTL ran out.")
    public static let cacheEntries = Sample.Family("vpcdns_cache_entries", unit: "", kind: .gauge, help: "Entries in the cache now.")
    public static let cacheStale = Sample.Family("vpcdns_cache_stale_answers", unit: "total", kind: .counter,
                                                 help: "Expired cache entries served because no upstream answered (serve-stale).")
    public static let tcpOpen = Sample.Family("vpcdns_tcp_connections", unit: "", kind: .gauge, help: "TCP connections open now.")
    public static let tcpAccepted = Sample.Family("vpcdns_tcp_connections_accepted", unit: "total", kind: .counter,
                                                  help: "TCP connections accepted and admitted.")
    public static let tcpRefused = Sample.Family("vpcdns_tcp_connections_refused", unit: "total", kind: .counter,
                                                 help: "TCP connections closed at once: no room, the client at its cap, or stopping.")
    public static let tcpClosed = Sample.Family("vpcdns_tcp_connections_closed", unit: "total", kind: .counter,
                                                help: "TCP connections vpcdns closed, by reason (idle, pressure).")
    public static let queryLogDropped = Sample.Family("vpcdns_query_log_dropped", unit: "total", kind: .counter,
                                                      help: "Query log records lost: events faster than the writer, or lines the destination did not take.")
    public static let upstreamQueries = Sample.Family("vpcdns_upstream_queries", unit: "total", kind: .counter,
                                                      help: "Queries sent to an upstream set (by its index in the config and its servers).")
    public static let upstreamAnswers = Sample.Family("vpcdns_upstream_answers", unit: "total", kind: .counter,
                                                      help: "Upstream queries that got an answer (any RCODE).")
    public static let upstreamTimeouts = Sample.Family("vpcdns_upstream_timeouts", unit: "total", kind: .counter,
                                                       help: "Upstream queries no server answered in time.")
    public static let upstreamFailures = Sample.Family("vpcdns_upstream_failures", unit: "total", kind: .counter,
                                                       help: "Upstream queries that failed otherwise (refused, malformed, shut down).")
    public static let upstreamRejected = Sample.Family("vpcdns_upstream_rejected_datagrams", unit: "total", kind: .counter,
                                                       help: "Datagrams dropped as not the answer to an outstanding upstream query.")
    public static let upstreamLatency = Sample.Family("vpcdns_upstream_latency", unit: "seconds", kind: .counter,
                                                      help: "Time from sending an upstream query to its completion.")
    public static let ready = Sample.Family("vpcdns_ready", unit: "", kind: .gauge,
                                            help: "1 while the config on disk is the one served (see /ready).")
}
