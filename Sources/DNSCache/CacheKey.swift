import DNSWire

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
