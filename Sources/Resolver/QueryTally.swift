import DNSWire
import VPCModel

/// The few facts of one query that the per-query counters read: no names, no records, nothing
/// allocated. The engine hands one to its `QueryCounter` for every query, whether or not a query
/// log wants the full `QueryEvent`.
public struct QueryTally: Sendable {
    /// Where an answer came from, as the `source` label counts it.
    public enum Source: Int, Sendable, CaseIterable {
        case privateZone, privateDNS, endpointName, forwardRule, upstream, cache, refused, dnsSupportOff, door, autodefined,
             firewall
    }

    /// The view's name; nil for queries refused or dropped at the door before one was chosen.
    public var view: String?
    public var transport: QueryEvent.Transport
    /// The question's type; nil when the request had no readable question.
    public var type: RRType?
    public var rcode: RCode
    public var source: Source
    /// Whether the query got no response at all.
    public var dropped: Bool
    /// Whether it was dropped by the per-client rate limit (then nothing else is known of it).
    public var rateLimited: Bool

    public init(view: String?, transport: QueryEvent.Transport, type: RRType?, rcode: RCode, source: Source,
                dropped: Bool = false, rateLimited: Bool = false) {
        self.view = view
        self.transport = transport
        self.type = type
        self.rcode = rcode
        self.source = source
        self.dropped = dropped
        self.rateLimited = rateLimited
    }

    /// The tally of a query answered (or dropped) for `reason`; `fromCache` for forwarded answers
    /// served from the cache.
    public init(reason: Reason?, transport: QueryEvent.Transport, type: RRType?, rcode: RCode, fromCache: Bool = false,
                dropped: Bool = false, rateLimited: Bool = false) {
        self.init(view: reason?.view, transport: transport, type: type, rcode: rcode,
                  source: fromCache ? .cache : reason.map { Source($0.source) } ?? .door, dropped: dropped, rateLimited: rateLimited)
    }
}

extension QueryTally.Source {
    /// The counted kind of a decision's source.
    public init(_ source: Reason.Source) {
        switch source {
        case .privateZone: self = .privateZone
        case .managedZone: self = .privateDNS
        case .endpointName: self = .endpointName
        case .forwardRule: self = .forwardRule
        case .systemRule, .recursion: self = .upstream
        case .notAllowed: self = .refused
        case .dnsSupportDisabled: self = .dnsSupportOff
        case .autodefined: self = .autodefined
        case .firewallBlock, .firewallFailure: self = .firewall
        }
    }
}

/// Counts query tallies; called on whatever queue finished the query, so it must be cheap.
public protocol QueryCounter: AnyObject, Sendable {
    func count(_ tally: QueryTally)
}
