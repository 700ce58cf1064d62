import IPAddress
import VPCModel

/// What one loaded config serves with: the model and its upstream channels. Replaced whole on
/// reload, so a query sees either the old state or the new one, never a mix.
public final class ServingState: Sendable {
    public let model: ResolutionModel
    public let upstreams: UpstreamPool
    /// The per-client packet limit, nil when off (then no lock is taken per packet).
    let rateLimiter: RateLimiter?

    public init(model: ResolutionModel, upstreams: UpstreamPool) {
        self.model = model
        self.upstreams = upstreams
        rateLimiter = RateLimiter(packetsPerSecond: model.config.rateLimit.packetsPerSecond)
    }

    /// Whether one more UDP packet from `client` is within the rate limit.
    func admits(_ client: IPAddress) -> Bool {
        rateLimiter?.admit(client) ?? true
    }
}
