import DNSUpstream
import Resolver
import VPCConfig
import VPCModel

/// Builds the complete serving state for a config, all or nothing, so a reload either swaps in
/// a fully working state or leaves the running one untouched.
public enum StateLoader {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Loads config and zones, builds the model, and opens (or reuses) upstream channels.
    public static func load(_ source: ConfigSource, previous: ServingState? = nil,
                            resolvConfPath: String = "/etc/resolv.conf") throws(Failure) -> ServingState {
        let model: ResolutionModel
        do throws(ConfigErrors) {
            model = try source.loadModel()
        } catch {
            throw Failure(description: error.description)
        }
        do {
            let config = model.config
            let pool = try UpstreamPool(sets: model.upstreamSets, timeout: .milliseconds(config.upstreamTimeoutMs),
                                        tries: config.upstreamTries, resolvConfPath: resolvConfPath,
                                        reusing: previous?.upstreams)
            return ServingState(model: model, upstreams: pool)
        } catch {
            throw Failure(description: "\(source): upstreams: \(error)")
        }
    }

    /// `STATUS=` text: what is being served.
    public static func summary(_ state: ServingState) -> String {
        let model = state.model
        let zones = model.views.reduce(0) { $0 + $1.zones.count }
        let servers = Set(state.upstreams.configurations.flatMap(\.servers)).count
        return "\(model.views.count) VPC views, \(zones) private zones, \(model.endpointNameCount) endpoint names, \(servers) upstream servers"
    }
}
