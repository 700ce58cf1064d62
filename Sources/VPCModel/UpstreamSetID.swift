/// Which upstream set a question is forwarded to: set 0 is the config's `upstreams:`, the others
/// are forward rules' target lists, numbered by the model in the order it meets them. The same
/// handle finds the set's servers in `ResolutionModel.upstreams(of:)` and its channel in the
/// pool built from `ResolutionModel.upstreamSets`.
public struct UpstreamSetID: Hashable, Sendable, CustomStringConvertible {
    /// The set's position in `ResolutionModel.upstreamSets`.
    public let index: Int

    public init(index: Int) {
        self.index = index
    }

    /// `upstreams:`: where everything goes that no forward rule sends elsewhere.
    public static let configured = UpstreamSetID(index: 0)

    /// The number, as logs and explanations show it.
    public var description: String { String(index) }
}
