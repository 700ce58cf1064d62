import DNSCache
import DNSUpstream
import DNSWire
import IPAddress
import VPCModel

/// A client query waiting for an upstream answer.
struct PendingQuery: Sendable {
    let request: Request
    /// Local CNAMEs that led to the forwarded name; they precede the upstream's answer.
    let chain: [ResourceRecord]
    let sink: any ResponseSink
    let client: SocketAddress
    let transport: QueryEvent.Transport
    let reason: Reason
}

extension QueryEngine {
    /// The EDNS payload size vpcdns asks upstreams for (DNS flag day 2020); c-ares retries a
    /// truncated answer over TCP itself.
    static let upstreamPayloadSize: UInt16 = 1232

    /// Answers from the cache, or joins (or starts) the one upstream query for this key. The sink
    /// is boxed into a `PendingQuery` only on a miss, so a cache hit allocates nothing but its reply.
    func forward<Sink: ResponseSink>(_ request: Request, name: DNSName, chain: [ResourceRecord], channel: PooledChannel,
                                     sink: Sink, client: SocketAddress, transport: QueryEvent.Transport, reason: Reason) {
        let key = CacheKey(name: name, type: request.question.type, dnsClass: .internet,
                           dnssecOK: request.edns?.dnssecOK ?? false, upstreamSet: channel.id)
        // A chain the DNS Firewall still inspects, and the answers of a firewall match (logged
        // even from the cache), need the decoded answer, not stored bytes.
        let decodes = reason.firewall.map { $0.pendingInspection != nil || $0.match != nil } ?? false
        if chain.isEmpty, !decodes, let bytes = cache.lookupWire(key, query: request.message, edns: ResponseBuilder.responseEDNS(for: request.edns),
                                                       maxSize: request.maxResponseSize) {
            sink.send(bytes)
            // Observers get the stored reply's RCODE (NOERROR or NXDOMAIN: nothing else is cached)
            // from its header; it is not decoded again for them.
            observe(client: client, transport: transport, question: request.question, rcode: RCode(UInt16(bytes[3] & 0x0f)),
                    answers: [], reason: reason, fromCache: true)
            return
        }
        let pending = PendingQuery(request: request, chain: chain, sink: sink, client: client, transport: transport, reason: reason)
        if !chain.isEmpty || decodes, let cached = cache.lookup(key, query: Message(questions: [Question(name: name, type: key.type)])) {
            respond(pending, with: cached, fromCache: true)
            return
        }
        guard let upstream = channel.channel else {
            // No upstream servers (`upstreams: []`): nothing to forward to.
            pending.sink.send(ResponseBuilder.error(.servFail, for: pending.request))
            observe(client: pending.client, transport: pending.transport, question: pending.request.question,
                    rcode: .servFail, answers: [], reason: pending.reason)
            return
        }
        guard inflight.join(key, pending) else { return }
        var header = Header(id: 0)
        header.recursionDesired = true
        let query = Message(header: header, questions: [Question(name: name, type: key.type)],
                            edns: EDNS(udpPayloadSize: Self.upstreamPayloadSize, dnssecOK: key.dnssecOK))
        upstream.send(query.encode()) { [self] result in
            completeUpstream(key, result: result)
        }
    }

    /// Decodes the upstream's answer, caches it, and answers every query that waited for it.
    private func completeUpstream(_ key: CacheKey, result: Result<[UInt8], UpstreamError>) {
        var answer: Message?
        if case .success(let bytes) = result, var decoded = try? Message(wire: bytes),
           decoded.header.isResponse, decoded.questions.count == 1, decoded.questions[0].name == key.name,
           decoded.questions[0].type == key.type {
            // AWS's resolver never sets AD (AWS-DNS-RULES 6.6), fresh or cached.
            decoded.header.authenticData = false
            answer = decoded
            cache.store(decoded, for: key)
        }
        for pending in inflight.complete(key) {
            if let answer {
                respond(pending, with: answer, fromCache: false)
            } else {
                pending.sink.send(ResponseBuilder.error(.servFail, for: pending.request))
                observe(client: pending.client, transport: pending.transport, question: pending.request.question,
                        rcode: .servFail, answers: [], reason: pending.reason)
            }
        }
    }

    /// The client's response built from an upstream (or cached) message: the client's ID,
    /// question and EDNS, AA and AD cleared (AWS-DNS-RULES 3.10, 6.6), sized to the client.
    func respond(_ pending: PendingQuery, with upstream: Message, fromCache: Bool) {
        let answer = ForwardedAnswer(pending, upstream: upstream)
        let bytes = ResponseBuilder.response(to: pending.request, rcode: answer.rcode, answers: answer.answers,
                                             authorities: answer.authorities, additionals: answer.additionals)
        pending.sink.send(bytes)
        observe(client: pending.client, transport: pending.transport, question: pending.request.question, rcode: answer.rcode,
                answers: answer.answers, reason: answer.reason, fromCache: fromCache)
    }
}
