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
    /// The upstream set's count of waiting queries, which this query holds a place in.
    let setPending: PendingForwards

    /// Whether its reply is built from the decoded answer rather than copied from stored bytes:
    /// local CNAMEs go in front of the upstream's records, a chain the DNS Firewall still
    /// inspects needs its records, and a firewall match logs the answer it let through.
    var needsMessage: Bool { Self.needsMessage(chain: chain, reason: reason) }

    static func needsMessage(chain: [ResourceRecord], reason: Reason) -> Bool {
        !chain.isEmpty || (reason.firewall.map { $0.pendingInspection != nil || $0.match != nil } ?? false)
    }
}

extension QueryEngine {
    /// The EDNS payload size vpcdns asks upstreams for (DNS flag day 2020); c-ares retries a
    /// truncated answer over TCP itself.
    static let upstreamPayloadSize: UInt16 = 1232

    /// Answers from the cache, or joins (or starts) the one upstream query for this key. The sink
    /// is boxed into a `PendingQuery` only on a miss, so a cache hit allocates nothing but its reply.
    /// A miss that would exceed `max_pending_forwards` (for its upstream set or in total) is
    /// answered at once by `answerWithoutUpstream`, never queued and never left unanswered.
    func forward<Sink: ResponseSink>(_ request: Request, name: DNSName, chain: [ResourceRecord], channel: PooledChannel,
                                     sink: Sink, client: SocketAddress, transport: QueryEvent.Transport, reason: Reason) {
        let key = CacheKey(name: name, type: request.question.type, dnsClass: .internet,
                           dnssecOK: request.edns?.dnssecOK ?? false, upstreamSet: channel.id)
        let needsMessage = PendingQuery.needsMessage(chain: chain, reason: reason)
        if !needsMessage, let bytes = cache.lookupWire(key, query: request.message, edns: ReplyRules.edns(answering: request.edns),
                                                       maxSize: request.maxResponseSize) {
            sink.send(bytes)
            // Observers get the stored reply's RCODE (NOERROR or NXDOMAIN: nothing else is cached)
            // from its header; it is not decoded again for them.
            observe(client: client, transport: transport, question: request.question, rcode: RCode(UInt16(bytes[3] & 0x0f)),
                    answers: [], reason: reason, fromCache: true)
            return
        }
        queryUpstream(request, key: key, chain: chain, channel: channel, sink: sink, client: client, transport: transport, reason: reason)
    }

    /// The part of `forward` after the cache's bytes missed: the reply built from a cached
    /// message when it needs the records (`PendingQuery.needsMessage`), or one query upstream
    /// joined or started, or `answerWithoutUpstream` when there is no upstream or no room.
    func queryUpstream<Sink: ResponseSink>(_ request: Request, key: CacheKey, chain: [ResourceRecord], channel: PooledChannel,
                                           sink: Sink, client: SocketAddress, transport: QueryEvent.Transport, reason: Reason) {
        let name = key.name
        let pending = PendingQuery(request: request, chain: chain, sink: sink, client: client, transport: transport, reason: reason,
                                   setPending: channel.pending)
        if pending.needsMessage, let cached = cache.lookup(key, query: Message(questions: [Question(name: name, type: key.type)])) {
            respond(pending, with: cached, fromCache: true)
            return
        }
        // ID 0: the channel gives every query a random ID of its own, and the answer comes back
        // with it; nobody here reads it.
        var header = Header(id: 0)
        header.recursionDesired = true
        let query = Message(header: header, questions: [Question(name: name, type: key.type)],
                            edns: EDNS(udpPayloadSize: Self.upstreamPayloadSize, dnssecOK: key.dnssecOK))
        // A one-question query always encodes; the check only keeps the encoder non-trapping.
        guard let upstream = channel.channel, let wire = try? query.encode() else {
            // No upstream servers (`upstreams: []`): nothing to forward to.
            answerWithoutUpstream(pending, key: key)
            return
        }
        guard channel.pending.reserve(limit: channel.limits.perUpstreamSet) else {
            answerWithoutUpstream(pending, key: key)
            return
        }
        guard waitingForwards.reserve(limit: channel.limits.total) else {
            channel.pending.release()
            answerWithoutUpstream(pending, key: key)
            return
        }
        guard inflight.join(key, pending) else { return }
        upstream.send(wire) { [self] result in
            completeUpstream(key, result: result)
        }
    }

    /// Decodes the upstream's answer, scrubs it to the question's chain, and stores it; every
    /// query that waited for it is answered from the stored bytes the way a cache hit is (one
    /// copy plus patches of ID, flags, name case and OPT), or from the stored answer decoded once
    /// when its reply needs the records (`needsMessage`). An answer the cache refuses (TTL 0, no
    /// SOA, cache off) is relayed as decoded. Stale answers are served the same way.
    private func completeUpstream(_ key: CacheKey, result: Result<[UInt8], UpstreamError>) {
        var answer: Message?
        if case .success(let bytes) = result, var decoded = try? Message(wire: bytes),
           decoded.header.isResponse, decoded.questions.count == 1, decoded.questions[0].name == key.name,
           decoded.questions[0].type == key.type {
            // AWS's resolver never sets AD (AWS-DNS-RULES 6.6), fresh or cached.
            decoded.header.authenticData = false
            AnswerScrubber.scrub(&decoded, question: decoded.questions[0])
            answer = decoded
        }
        // The cache refuses SERVFAIL and REFUSED itself (counting them as uncacheable).
        let stored = answer.flatMap { cache.storeForReplies($0, for: key) }
        // An upstream SERVFAIL or REFUSED is relayed only when no stale answer can replace it.
        guard let answer, answer.rcode != .servFail, answer.rcode != .refused else {
            for pending in inflight.complete(key) {
                release(pending)
                answerWithoutUpstream(pending, key: key, relaying: answer)
            }
            return
        }
        // The stored answer decoded at most once, for the replies (and query events) that need its records.
        var storedMessage: Message?
        for pending in inflight.complete(key) {
            release(pending)
            if let stored, respond(pending, from: stored, fromCache: false, decoded: {
                if storedMessage == nil { storedMessage = stored.message() }
                return storedMessage
            }) {
                continue
            }
            respond(pending, with: answer, fromCache: false)
        }
    }

    /// Replies to `pending` from a cached answer: its bytes copied and patched as for a hit; or,
    /// when the reply needs the records (`needsMessage`), from the answer `decoded`. False,
    /// sending nothing, only when it does not decode.
    private func respond(_ pending: PendingQuery, from stored: StoredAnswer, fromCache: Bool, decoded: () -> Message?) -> Bool {
        let request = pending.request
        if !pending.needsMessage,
           let bytes = stored.reply(to: request.message, edns: ReplyRules.edns(answering: request.edns), maxSize: request.maxResponseSize) {
            pending.sink.send(bytes)
            // The records are decoded only while query events are wanted (the query log).
            observe(client: pending.client, transport: pending.transport, question: request.question, rcode: RCode(UInt16(bytes[3] & 0x0f)),
                    answers: observes ? decoded()?.answers ?? [] : [], reason: pending.reason, fromCache: fromCache)
            return true
        }
        guard let message = decoded() else { return false }
        respond(pending, with: message, fromCache: fromCache)
        return true
    }

    /// Answers every forwarded query still waiting (as when its upstream failed), at once: a
    /// stop calls this when its drain time is over, before the sockets close, so no client is
    /// left without an answer. Upstream answers arriving later are still cached.
    public func answerPendingForwards() {
        for (key, waiters) in inflight.completeAll() {
            for pending in waiters {
                release(pending)
                answerWithoutUpstream(pending, key: key)
            }
        }
    }

    private func release(_ pending: PendingQuery) {
        pending.setPending.release()
        waitingForwards.release()
    }

    /// The answer for a query the upstream could not answer: failed, timed out, answered
    /// SERVFAIL or REFUSED (`relaying` that answer), over the pending limit, or still waiting at
    /// stop. An expired cached answer if the cache still holds one (serve-stale, RFC 8767);
    /// otherwise the upstream's own error answer, or SERVFAIL.
    func answerWithoutUpstream(_ pending: PendingQuery, key: CacheKey, relaying upstream: Message? = nil) {
        if let stale = cache.staleAnswer(for: key), respond(pending, from: stale, fromCache: true, decoded: stale.message) {
            return
        }
        if let upstream {
            respond(pending, with: upstream, fromCache: false)
            return
        }
        pending.sink.send(ResponseBuilder.error(.servFail, for: pending.request))
        observe(client: pending.client, transport: pending.transport, question: pending.request.question,
                rcode: .servFail, answers: [], reason: pending.reason)
    }

    /// The client's response built from an upstream (or cached) message: the client's ID,
    /// question and EDNS, AA and AD cleared (AWS-DNS-RULES 3.10, 6.6), sized to the client.
    func respond(_ pending: PendingQuery, with upstream: Message, fromCache: Bool) {
        let answer = ForwardedAnswer(pending, upstream: upstream)
        pending.sink.send(ResponseBuilder.response(to: pending.request, rcode: answer.rcode, answers: answer.answers,
                                                   authorities: answer.authorities, additionals: answer.additionals))
        observe(client: pending.client, transport: pending.transport, question: pending.request.question, rcode: answer.rcode,
                answers: answer.answers, reason: answer.reason, fromCache: fromCache)
    }
}
