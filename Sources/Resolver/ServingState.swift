import VPCModel

/// What one loaded config serves with: the model and its upstream channels. Replaced whole on
/// reload, so a query sees either the old state or the new one, never a mix.
public final class ServingState: Sendable {
    public let model: ResolutionModel
    public let upstreams: UpstreamPool

    public init(model: ResolutionModel, upstreams: UpstreamPool) {
        self.model = model
        self.upstreams = upstreams
    }
}
