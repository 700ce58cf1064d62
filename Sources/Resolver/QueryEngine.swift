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
    let observer: QueryObserver?

    public init(state: ServingState, cache: DNSCache, observer: QueryObserver? = nil) {
        current = Mutex(state)
        self.cache = cache
        self.observer = observer
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
        let liveChannels = Set(new.upstreams.channels.map(\.id))
        cache.retain { liveChannels.contains($0.upstreamSet) }
        return old
    }

    /// Answers one request. `sink.send` is called at most once: before this returns for local
    /// answers, cache hits and errors; later for forwarded queries; never for dropped ones.
    public func handle(_ bytes: UnsafeRawBufferPointer, client: SocketAddress, local: SocketAddress?, overTCP: Bool,
                       sink: some ResponseSink) {
        let transport: QueryEvent.Transport = overTCP ? .tcp : .udp
        let state = self.state
        if !overTCP, !state.admits(client.ip) {
            observer?(QueryEvent(client: client, transport: transport, question: nil, rcode: .noError, answers: [], reason: nil,
                                 fromCache: false, dropped: true, rateLimited: true))
            return
        }
        let request: Request
        switch RequestAdmission.admit(bytes, overTCP: overTCP) {
        case .dropped:
            return
        case .rejected(let response, let rcode):
            sink.send(response)
            observe(client: client, transport: transport, question: nil, rcode: rcode, answers: [], reason: nil)
            return
        case .accepted(let accepted):
            request = accepted
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
            observer?(QueryEvent(client: client, transport: transport, question: request.question, rcode: .noError,
                                 answers: [], reason: reason, fromCache: false, dropped: true))
        case .forward(let upstream, let name, let chain, let reason):
            forward(request, name: name, chain: chain, channel: state.upstreams.channels[upstream], sink: sink,
                    client: client, transport: transport, reason: reason)
        }
    }

    func observe(client: SocketAddress, transport: QueryEvent.Transport, question: Question?, rcode: RCode,
                 answers: [ResourceRecord], reason: Reason?, fromCache: Bool = false) {
        observer?(QueryEvent(client: client, transport: transport, question: question, rcode: rcode, answers: answers,
                             reason: reason, fromCache: fromCache, dropped: false))
    }
}
