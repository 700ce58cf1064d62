import Explain
import Resolver
import Transport

/// Connects the transport to the query engine: every request frame goes to `QueryEngine.handle`
/// on the listener's queue. With `explain:` configured, a CHAOS-class question is first offered
/// to the provenance answer (`[_TYPE.]NAME.explain.vpcdns.` TXT).
struct EngineHandler: RequestHandler {
    let engine: QueryEngine

    func handle(_ request: UnsafeRawBufferPointer, origin: QueryOrigin, reply: ReplyChannel) {
        if WireProvenance.isChaosQuestion(request), let response = provenance(request, origin: origin) {
            reply.send(response)
            return
        }
        engine.handle(request, client: origin.client, local: origin.local, overTCP: origin.transport == .tcp, lane: origin.lane,
                      sink: reply)
    }

    private func provenance(_ request: UnsafeRawBufferPointer, origin: QueryOrigin) -> [UInt8]? {
        let state = engine.state
        guard let explain = state.config.explain else { return nil }
        return WireProvenance.respond(to: request, client: origin.client, local: origin.local, overTCP: origin.transport == .tcp,
                                      allowed: explain.allow, config: state.config, model: state.model, upstreamNames: state.upstreams.upstreamNames)
    }
}

extension ReplyChannel: ResponseSink {}
