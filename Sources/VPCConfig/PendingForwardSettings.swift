/// `max_pending_forwards:` — how many forwarded client queries may wait for upstream answers at
/// once. Beyond a limit a query is answered at once (SERVFAIL) instead of queued, so a flood of
/// unique names against a slow or dead upstream costs bounded memory and every query an answer.
public struct PendingForwardSettings: Hashable, Sendable, ConfigLocatable {
    /// `per_upstream_set`: per upstream set (the default `upstreams` and each rule's targets),
    /// 1...1000000. Default 1024, as unbound's `num-queries-per-thread`.
    public var perUpstreamSet: Int
    /// `total`: across all upstream sets, 1...1000000. Default 4096.
    public var total: Int
    public var origin: ConfigOrigin

    public static let range = 1...1_000_000

    public init(perUpstreamSet: Int = 1024, total: Int = 4096, origin: ConfigOrigin = ConfigOrigin()) {
        self.perUpstreamSet = perUpstreamSet
        self.total = total
        self.origin = origin
    }
}
