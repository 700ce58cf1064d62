import Resolver
import Transport

/// Connects the transport to the query engine: every request frame goes to `QueryEngine.handle`
/// on the listener's queue.
struct EngineHandler: RequestHandler {
    let engine: QueryEngine

    func handle(_ request: UnsafeRawBufferPointer, origin: QueryOrigin, reply: ReplyChannel) {
        engine.handle(request, client: origin.client, local: origin.local, overTCP: origin.transport == .tcp, lane: origin.lane,
                      sink: reply)
    }
}

extension ReplyChannel: ResponseSink {}
