import DNSCache
import DNSWire
import IPAddress
import Synchronization
import VPCModel

/// The one place a query is decided and answered: door checks, the model's decision, then the
/// cache or the upstream for what is not local.
///
/// Local answers and cache hits are computed on the caller's (the socket's) queue and sent
/// before `handle` returns; only cache misses leave it, through c-ares, and come back by callback.
public final class QueryEngine: Sendable {
    private let current: Mutex<ServingState>
    public let cache: DNSCache
    let inflight = InflightTable<CacheKey, PendingQuery>()
    /// Client queries waiting for an upstream, across all upstream sets (`max_pending_forwards.total`).
    public let waitingForwards = PendingForwards()
    /// Receives the full event of every query while `isObserving` says so (the query log).
    let observer: QueryObserver?
    /// Receives the tally of every query (the metrics); cheap enough to run always.
    let counter: (any QueryCounter)?
    /// Answers admitted CHAOS-class questions; without it they are REFUSED.
    private let chaos: (any ChaosResponder)?
    /// Turns the order of rotating precompiled answers (endpoint addresses) for requests that
    /// come without a lane (TCP).
    private let rotation = Atomic<UInt32>(0)
    /// Bumped by every `install`: a lane whose snapshot is older fetches the new state.
    private let generation = Atomic<Int>(0)
    private let lanes: [Lane]

    /// What one lane (a UDP socket, whose requests come one at a time on its own queue) keeps
    /// between requests, so that a request touches no lock and no atomic that another lane writes.
    private final class Lane: @unchecked Sendable {
        // @unchecked: touched only by the requests of one lane, which never run concurrently.
        var generation = -1
        var state: ServingState?
        var rotation: UInt32 = 0
    }

    /// Lanes with their own snapshot; requests of higher lanes share the locked path.
    static let maxLanes = 64

    /// Whether the observer reads events now (the query log can be turned on and off by a
    /// reload): while it does not, no event is built.
    private let isObserving: @Sendable () -> Bool

    public init(state: ServingState, cache: DNSCache, observer: QueryObserver? = nil, counter: (any QueryCounter)? = nil,
                chaos: (any ChaosResponder)? = nil, isObserving: @escaping @Sendable () -> Bool = { true }) {
        current = Mutex(state)
        self.cache = cache
        self.observer = observer
        self.counter = counter
        self.chaos = chaos
        self.isObserving = isObserving
        lanes = (0..<Self.maxLanes).map { _ in Lane() }
    }

    /// Forwarded queries still waiting for their upstream: a stop waits for these to be answered.
    public var pendingForwards: Int { waitingForwards.count }

    /// The state queries are answered from now.
    public var state: ServingState { current.withLock { $0 } }

    /// Swaps in a new state (reload) and returns the old one. Cached answers of upstream channels
    /// the new state no longer uses are dropped; the rest survive.
    @discardableResult
    public func install(_ new: ServingState) -> ServingState {
        let old = current.withLock { state in
            let old = state
            state = new
            return old
        }
        generation.add(1, ordering: .releasing)
        let liveChannels = Set(new.upstreams.channels.map(\.id))
        cache.retain { liveChannels.contains($0.upstreamSet) }
        return old
    }

    /// Answers one request. `sink.send` is called at most once: before this returns for local
    /// answers, cache hits and errors; later for forwarded queries; never for dropped ones.
    ///
    /// The door, in this order, before anything past the header is read: too short or a response
    /// (nothing); a client outside `allow` and every VPC (REFUSED for a plain query, nothing for
    /// anything else); the rate limit (UDP); then the header's opcode and section counts. CHAOS
    /// questions go to the `ChaosResponder` only after all of it.
    ///
    /// `lane` (see `QueryOrigin.lane`) lets requests of one UDP socket share a snapshot of the
    /// serving state and a rotation counter without locks; nil takes the locked path.
    public func handle(_ bytes: UnsafeRawBufferPointer, client: SocketAddress, local: SocketAddress?, overTCP: Bool,
                       lane: Int? = nil, sink: some ResponseSink) {
        let transport: QueryEvent.Transport = overTCP ? .tcp : .udp
        guard let peek = HeaderPeek(bytes), !peek.header.isResponse else { return }
        let lane = lane.flatMap { $0 >= 0 && $0 < lanes.count ? lanes[$0] : nil }
        let state = lane.map(snapshot) ?? self.state
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: QueryView.maxNameLength) { folded in
            let folded = folded.baseAddress!
            guard state.model.isAllowed(client.ip) else {
                refuseOutsider(bytes, peek: peek, folded: folded, state: state, client: client, local: local, transport: transport,
                               sink: sink)
                return
            }
            if !overTCP, !state.admits(client.ip) {
                observeDropped(client: client, transport: transport, question: nil, reason: nil, rateLimited: true)
                return
            }
            if let rcode = RequestAdmission.rejection(peek) {
                sink.send(RequestAdmission.headerOnlyResponse(to: peek.header, rcode: rcode))
                observe(client: client, transport: transport, question: nil, rcode: rcode, answers: [], reason: nil)
                return
            }
            if let query = QueryView(bytes, folding: folded),
               answerFast(query, bytes: bytes, folded: folded, state: state, lane: lane, client: client, local: local,
                          transport: transport, sink: sink) {
                return
            }
            handleDecoded(bytes, state: state, client: client, local: local, transport: transport, sink: sink)
        }
    }

    /// A client outside `allow` and every VPC: REFUSED echoing a plain question, nothing for
    /// anything else (no FORMERR, NOTIMP or BADVERS tells an outsider what was wrong).
    private func refuseOutsider(_ bytes: UnsafeRawBufferPointer, peek: HeaderPeek, folded: UnsafeMutablePointer<UInt8>, state: ServingState,
                                client: SocketAddress, local: SocketAddress?, transport: QueryEvent.Transport, sink: some ResponseSink) {
        let reason = Reason(view: state.model.view(client: client.ip, local: local).name, source: .notAllowed)
        guard let query = QueryView(bytes, folding: folded), RequestAdmission.rejection(peek) == nil,
              let size = FastReply.size(query: query, bodySize: 0, overTCP: transport == .tcp) else {
            observeDropped(client: client, transport: transport, question: nil, reason: reason)
            return
        }
        send(size: size, sink: sink) { out in
            FastReply.write(into: out, query: query, request: bytes, rcode: .refused, answerCount: 0, authorityCount: 0,
                            body: UnsafeRawBufferPointer(start: nil, count: 0))
        }
        report(QueryTally(view: reason.view, transport: transport, type: query.type, rcode: .refused, source: .refused),
               QueryEvent(client: client, transport: transport,
                          question: Question(name: query.questionName(in: bytes), type: query.type, dnsClass: query.dnsClass),
                          rcode: .refused, answers: [], reason: reason, fromCache: false, dropped: false))
    }

    /// Answers from the precompiled local answers, or from the cache for a name no local data
    /// covers. False when the model must decide (the caller then decodes the whole query).
    private func answerFast(_ query: QueryView, bytes: UnsafeRawBufferPointer, folded: UnsafeMutablePointer<UInt8>,
                            state: ServingState, lane: Lane?, client: SocketAddress, local: SocketAddress?,
                            transport: QueryEvent.Transport, sink: some ResponseSink) -> Bool {
        guard query.dnsClass == .internet, query.edns.map({ $0.version == 0 }) ?? true,
              query.type != .opt, query.type != .axfr, query.type != .ixfr else { return false }
        let model = state.model
        guard !model.arrivesThroughInboundEndpoint(local) else { return false }
        let viewIndex = PrecompiledAnswers.viewIndex(model.viewIndex(client: client.ip, local: local), in: model)
        let table = state.precompiled
        guard table.serves(view: viewIndex) else { return false }
        let overTCP = transport == .tcp
        switch table.find(folded, length: query.nameLength, type: query.type, view: viewIndex) {
        case .answer(let index):
            let layout = table.layout(index)
            let turn = layout.turns > 1 ? Int(nextTurn(lane) % UInt32(layout.turns)) : 0
            guard table.withBody(layout, turn: turn, { body in
                sendPrecompiled(layout, body: body, query: query, bytes: bytes, shift: 0, overTCP: overTCP, sink: sink)
            }) else { return false }
            report(table, index, layout: layout, turn: turn, view: viewIndex, query: query, bytes: bytes, client: client,
                   transport: transport)
            return true
        case .nxDomain(let index):
            let layout = table.layout(index)
            guard table.withBody(layout, turn: 0, { body in
                sendPrecompiled(layout, body: body, query: query, bytes: bytes, shift: query.nameLength - Int(layout.probeNameLength),
                                overTCP: overTCP, sink: sink)
            }) else { return false }
            report(table, index, layout: layout, turn: 0, view: viewIndex, query: query, bytes: bytes, client: client,
                   transport: transport)
            return true
        case .notLocal:
            answerNotLocal(query, bytes: bytes, folded: folded, state: state, viewIndex: viewIndex, client: client, transport: transport,
                           sink: sink)
            return true
        case .unknown:
            return false
        }
    }

    /// A name no local data of the view covers: answered from the cache straight from the query's
    /// bytes, or, on a miss, decoded and sent to the default upstreams.
    private func answerNotLocal(_ query: QueryView, bytes: UnsafeRawBufferPointer, folded: UnsafeMutablePointer<UInt8>,
                                state: ServingState, viewIndex: Int, client: SocketAddress, transport: QueryEvent.Transport,
                                sink: some ResponseSink) {
        let model = state.model
        func viewName() -> String { viewIndex < model.views.count ? model.views[viewIndex].name : model.defaultView.name }
        let configured = state.upstreams.id(of: .configured)
        let dnssecOK = query.edns?.dnssecOK ?? false
        let maxSize = ReplyRules.maxSize(payloadSize: query.edns?.udpPayloadSize, overTCP: transport == .tcp)
        if let hit = cache.hit(foldedName: UnsafeRawBufferPointer(start: folded, count: query.nameLength), type: query.type,
                               dnssecOK: dnssecOK, upstreamSet: configured),
           hit.withReply(to: query, request: bytes, maxSize: maxSize, { sink.send($0) }) {
            report(QueryTally(view: viewName(), transport: transport, type: query.type, rcode: hit.rcode, source: .cache),
                   QueryEvent(client: client, transport: transport, question: Question(name: query.questionName(in: bytes), type: query.type),
                              rcode: hit.rcode, answers: [], reason: Reason(view: viewName(), source: .recursion), fromCache: true,
                              dropped: false))
            return
        }
        let name = query.questionName(in: bytes)
        let question = Question(name: name, type: query.type)
        var header = Header(id: query.id, flags: query.flags)
        header.isResponse = false
        let request = Request(message: Message(header: header, questions: [question], edns: query.ednsValue), question: question,
                              maxResponseSize: maxSize)
        queryUpstream(request, key: CacheKey(name: name, type: query.type, dnssecOK: dnssecOK, upstreamSet: configured), chain: [],
                      channel: state.upstreams.channel(for: .configured), sink: sink, client: client, transport: transport,
                      reason: Reason(view: viewName(), source: .recursion))
    }

    /// A CHAOS-class question: the responder's answer, or REFUSED when it has none.
    private func answerChaos(_ request: Request, state: ServingState, client: SocketAddress, local: SocketAddress?,
                             transport: QueryEvent.Transport, sink: some ResponseSink) {
        let answer = chaos?.answer(request.question, client: client, local: local, state: state) ?? (.refused, [])
        sink.send(ResponseBuilder.response(to: request, rcode: answer.rcode, answers: answer.answers))
        observe(client: client, transport: transport, question: request.question, rcode: answer.rcode, answers: answer.answers,
                reason: nil)
    }

    /// The lane's state, fetched again (under the lock) only after an `install`.
    private func snapshot(_ lane: Lane) -> ServingState {
        let now = generation.load(ordering: .acquiring)
        if lane.generation != now || lane.state == nil {
            lane.state = current.withLock { $0 }
            lane.generation = now
        }
        return lane.state!
    }

    /// The next value of the lane's rotation counter (of the shared one without a lane).
    private func nextTurn(_ lane: Lane?) -> UInt32 {
        guard let lane else { return rotation.add(1, ordering: .relaxed).oldValue }
        lane.rotation &+= 1
        return lane.rotation
    }

    /// Sends a precompiled answer: the query's header and question, `body` with its moving pointers
    /// shifted by `shift`, the OPT. False when it does not fit (the model's slow path truncates).
    @inline(__always)
    private func sendPrecompiled(_ layout: PrecompiledAnswers.Layout, body: UnsafeRawBufferPointer, query: QueryView,
                                 bytes: UnsafeRawBufferPointer, shift: Int, overTCP: Bool, sink: some ResponseSink) -> Bool {
        guard let size = FastReply.size(query: query, bodySize: body.count, overTCP: overTCP) else { return false }
        send(size: size, sink: sink) { out in
            FastReply.write(into: out, query: query, request: bytes, rcode: layout.rcode, answerCount: layout.answerCount,
                            authorityCount: layout.authorityCount, body: body, pointerOffsets: layout.pointers, shift: shift)
        }
        return true
    }

    /// Reports precompiled answer `index`: its tally from its layout and the view's name; the
    /// model's answer, with the records in the order body `turn` sent them, only if an event is built.
    @inline(__always)
    private func report(_ table: PrecompiledAnswers, _ index: Int, layout: PrecompiledAnswers.Layout, turn: Int, view: Int,
                        query: QueryView, bytes: UnsafeRawBufferPointer, client: SocketAddress, transport: QueryEvent.Transport) {
        report(QueryTally(view: table.viewName(view), transport: transport, type: query.type, rcode: layout.rcode, source: layout.source),
               precompiledEvent(table.records(index, turn: turn), rcode: layout.rcode, query: query, bytes: bytes, client: client,
                                transport: transport))
    }

    private func precompiledEvent(_ found: (answer: Answer, records: [ResourceRecord]), rcode: RCode, query: QueryView,
                                  bytes: UnsafeRawBufferPointer, client: SocketAddress, transport: QueryEvent.Transport) -> QueryEvent {
        QueryEvent(client: client, transport: transport, question: Question(name: query.questionName(in: bytes), type: query.type),
                   rcode: rcode, answers: found.records, reason: found.answer.reason, fromCache: false, dropped: false)
    }

    /// Writes a reply of `size` bytes with `body` and sends it.
    @inline(__always)
    private func send(size: Int, sink: some ResponseSink, _ body: (UnsafeMutableRawBufferPointer) -> Void) {
        withUnsafeTemporaryAllocation(byteCount: size, alignment: 8) { out in
            body(out)
            sink.send(UnsafeRawBufferPointer(out))
        }
    }

    /// The whole query decoded and given to the model: every query the precompiled answers do not cover.
    private func handleDecoded(_ bytes: UnsafeRawBufferPointer, state: ServingState, client: SocketAddress, local: SocketAddress?,
                               transport: QueryEvent.Transport, sink: some ResponseSink) {
        let request: Request
        switch RequestAdmission.admit(bytes, overTCP: transport == .tcp, allowingChaos: chaos != nil) {
        case .dropped:
            return
        case .rejected(let response, let rcode):
            sink.send(response)
            observe(client: client, transport: transport, question: nil, rcode: rcode, answers: [], reason: nil)
            return
        case .accepted(let accepted):
            request = accepted
        }
        if request.question.dnsClass == .chaos {
            answerChaos(request, state: state, client: client, local: local, transport: transport, sink: sink)
            return
        }
        let decision = state.model.decide(request.question, client: client.ip, local: local)
        switch decision {
        case .answer(let answer):
            sink.send(ResponseBuilder.response(to: request, rcode: answer.rcode, answers: answer.answers, authorities: answer.authorities))
            observe(client: client, transport: transport, question: request.question, rcode: answer.rcode,
                    answers: answer.answers, reason: answer.reason)
        case .refuse(let reason):
            sink.send(ResponseBuilder.error(.refused, for: request))
            observe(client: client, transport: transport, question: request.question, rcode: .refused, answers: [], reason: reason)
        case .drop(let reason):
            observeDropped(client: client, transport: transport, question: request.question, reason: reason)
        case .forward(let upstream, let name, let chain, let reason):
            forward(request, name: name, chain: chain, channel: state.upstreams.channel(for: upstream), sink: sink,
                    client: client, transport: transport, reason: reason)
        }
    }

    /// Whether query events are wanted now.
    var observes: Bool { observer != nil && isObserving() }

    /// The one way a query is reported: its tally to the counter, if there is one; its event,
    /// built only then, to the observer while events are wanted.
    @inline(__always)
    private func report(_ tally: @autoclosure () -> QueryTally, _ event: @autoclosure () -> QueryEvent) {
        counter?.count(tally())
        if observes { observer?(event()) }
    }

    /// Reports an answered query.
    func observe(client: SocketAddress, transport: QueryEvent.Transport, question: Question?, rcode: RCode,
                 answers: [ResourceRecord], reason: Reason?, fromCache: Bool = false) {
        report(QueryTally(reason: reason, transport: transport, type: question?.type, rcode: rcode, fromCache: fromCache),
               QueryEvent(client: client, transport: transport, question: question, rcode: rcode, answers: answers,
                          reason: reason, fromCache: fromCache, dropped: false))
    }

    /// Reports a query that gets no response.
    private func observeDropped(client: SocketAddress, transport: QueryEvent.Transport, question: Question?, reason: Reason?,
                                rateLimited: Bool = false) {
        report(QueryTally(reason: reason, transport: transport, type: question?.type, rcode: .noError, dropped: true,
                          rateLimited: rateLimited),
               QueryEvent(client: client, transport: transport, question: question, rcode: .noError, answers: [], reason: reason,
                          fromCache: false, dropped: true, rateLimited: rateLimited))
    }
}
