import DNSWire
import IPAddress

/// Answers the CHAOS-class questions vpcdns knows (the `explain` provenance). The engine offers
/// it each CHAOS query that passed the door (access, rate limit, header and EDNS checks) in place
/// of the model, which serves class IN only.
public protocol ChaosResponder: Sendable {
    /// The answer to `question`, asked by `client` on `local` while `state` serves, or nil when
    /// it asks nothing this responder answers (the engine then refuses it, as any class but IN).
    func answer(_ question: Question, client: SocketAddress, local: SocketAddress?, state: ServingState)
        -> (rcode: RCode, answers: [ResourceRecord])?
}
