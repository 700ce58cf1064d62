import IPAddress
import VPCModel

/// What one loaded config serves with: the model and its upstream channels. Replaced whole on
/// reload, so a query sees either the old state or the new one, never a mix.
public final class ServingState: Sendable {
    public let model: ResolutionModel
    public let upstreams: UpstreamPool
    /// The per-client packet limit, nil when off (then no lock is taken per packet).
    let rateLimiter: RateLimiter?
    /// The model's local answers, encoded once for this config.
    let precompiled: PrecompiledAnswers

    public init(model: ResolutionModel, upstreams: UpstreamPool) {
        self.model = model
        self.upstreams = upstreams
        rateLimiter = RateLimiter(packetsPerSecond: model.config.rateLimit.packetsPerSecond)
        precompiled = PrecompiledAnswers(model: model, serves: Self.servesPrecompiled)
    }

    /// Whether queries of `view` may be answered from precompiled answers and cache hits without
    /// asking the model. A view whose every query something must see before any local answer
    /// (its DNS Firewall) returns false here, and all its queries go through
    /// `ResolutionModel.decide`; so do views without DNS support (the model drops) and the views
    /// of inbound endpoints (the model marks their reasons).
    public static func servesPrecompiled(_ view: View) -> Bool {
        view.dnsSupport && view.firewall == nil && view.inboundEndpoint == nil
    }

    /// Precompiled entries held (answers and the suffixes the lookup stops at), for status lines.
    public var precompiledEntries: Int { precompiled.count }

    /// Whether one more UDP packet from `client` is within the rate limit.
    func admits(_ client: IPAddress) -> Bool {
        rateLimiter?.admit(client) ?? true
    }
}
