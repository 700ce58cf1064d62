import IPAddress
import VPCConfig
import VPCModel

/// What one loaded config serves with: the config, the model built from it and its upstream
/// channels. Replaced whole on reload, so a query sees either the old state or the new one,
/// never a mix.
public final class ServingState: Sendable {
    /// The config as loaded: the settings the model does not decide with (listeners, limits,
    /// logs, metrics, `explain`).
    public let config: VPCDNSConfig
    public let model: ResolutionModel
    public let upstreams: UpstreamPool
    /// The per-client packet limit, nil when off (then no lock is taken per packet).
    let rateLimiter: RateLimiter?
    /// The model's local answers, encoded once for this config.
    let precompiled: PrecompiledAnswers

    /// `model` must be the one built from `config`, and `upstreams` the pool of its upstream sets.
    public init(config: VPCDNSConfig, model: ResolutionModel, upstreams: UpstreamPool) {
        self.config = config
        self.model = model
        self.upstreams = upstreams
        rateLimiter = RateLimiter(packetsPerSecond: config.rateLimit.packetsPerSecond)
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

    /// Whether one more UDP packet from `client` is within the rate limit.
    func admits(_ client: IPAddress) -> Bool {
        rateLimiter?.admit(client) ?? true
    }
}
