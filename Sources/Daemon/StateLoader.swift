import DNSUpstream
import IPAddress
import Resolver
import VPCConfig
import VPCModel

/// Builds the complete serving state for a config, all or nothing, so a reload either swaps in
/// a fully working state or leaves the running one untouched.
public enum StateLoader {
    /// Why a config cannot be served: one problem per entry, each naming its file (and line).
    public struct Failure: Error, CustomStringConvertible {
        public var problems: [String]

        init(_ problems: [String]) { self.problems = problems }
        init(description: String) { self.init([description]) }

        public var description: String { problems.joined(separator: "\n") }
    }

    /// Loads config and zones, builds the model, and opens (or reuses) upstream channels.
    public static func load(_ source: ConfigSource, previous: ServingState? = nil,
                            resolvConfPath: String = "/etc/resolv.conf") throws(Failure) -> ServingState {
        let (config, model) = try loadModel(source)
        let configurations = try upstreamConfigurations(config, model, source: source, resolvConfPath: resolvConfPath)
        do {
            return ServingState(config: config, model: model,
                                upstreams: try UpstreamPool(configurations: configurations, limits: config.maxPendingForwards,
                                                            reusing: previous?.upstreams))
        } catch {
            throw Failure(description: "\(source): upstreams: \(error)")
        }
    }

    /// Everything `load` checks, without opening anything: what `vpcdns check` runs.
    public static func validate(_ source: ConfigSource, resolvConfPath: String = "/etc/resolv.conf") throws(Failure) -> ResolutionModel {
        let (config, model) = try loadModel(source)
        _ = try upstreamConfigurations(config, model, source: source, resolvConfPath: resolvConfPath)
        return model
    }

    private static func loadModel(_ source: ConfigSource) throws(Failure) -> (config: VPCDNSConfig, model: ResolutionModel) {
        do throws(ConfigErrors) {
            return try source.load()
        } catch {
            throw Failure(error.errors.map(\.description))
        }
    }

    /// The upstream servers (resolv.conf read now), refusing any that is one of vpcdns's own
    /// listen addresses: forwarded queries would come straight back, over and over. That happens
    /// when vpcdns serves 127.0.0.1:53 and /etc/resolv.conf names 127.0.0.1.
    static func upstreamConfigurations(_ config: VPCDNSConfig, _ model: ResolutionModel, source: ConfigSource,
                                       resolvConfPath: String) throws(Failure) -> [UpstreamConfiguration] {
        let configurations: [UpstreamConfiguration]
        do {
            configurations = try UpstreamPool.configurations(sets: model.upstreamSets, timeout: .milliseconds(config.upstreamTimeoutMs),
                                                             tries: config.upstreamTries, randomizesCase: config.upstreamCaseRandomization,
                                                             resolvConfPath: resolvConfPath)
        } catch {
            throw Failure(description: "\(source): upstreams: \(error)")
        }
        let listening = config.listen + config.vpcs.flatMap(\.servedAddresses)
        for server in configurations.flatMap(\.servers) {
            if let own = listening.first(where: { reaches(server, $0) }) {
                let origin = config.upstreams.contains(.address(server)) ? "" : " (from \(resolvConfPath) or a rule's targets)"
                throw Failure(description: "\(source): upstream \(server)\(origin) is vpcdns's own listen address \(own): "
                    + "forwarded queries would come back to vpcdns. Name the resolvers vpcdns should forward to in `upstreams:`.")
            }
        }
        return configurations
    }

    /// Whether a query sent to `server` arrives at a socket bound to `listener`: the same
    /// address, or any of this host's own addresses for a wildcard listener.
    private static func reaches(_ server: SocketAddress, _ listener: SocketAddress) -> Bool {
        guard server.port == listener.port else { return false }
        switch listener.ip {
        case .v4(let v4) where v4.value == 0: return server.ip.unmapped.isIPv4 && LocalAddresses.contains(server.ip)
        case .v6(let v6) where v6.high == 0 && v6.low == 0: return LocalAddresses.contains(server.ip)
        default: return server.ip.unmapped == listener.ip.unmapped
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
