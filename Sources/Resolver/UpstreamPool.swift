import DNSUpstream
import IPAddress
import VPCConfig
import VPCModel

import Synchronization

/// A channel with an id that stays the same while the channel lives, so cached answers can be
/// kept across reloads exactly for the channels that survive.
public struct PooledChannel: Sendable {
    public let id: Int
    /// Nil for an empty upstream set (`upstreams: []`, air-gapped): its queries get SERVFAIL.
    public let channel: UpstreamChannel?
    /// Client queries waiting for this set's answers, and those refused for it: kept with the
    /// channel across reloads.
    public let pending: PendingForwards
    /// `max_pending_forwards` of the config this pool was built for.
    public let limits: PendingForwardSettings
}

/// One c-ares channel per upstream set of the model, created from the config's upstream lists
/// (`resolv.conf` read here), and reused across reloads when a set's servers did not change.
public final class UpstreamPool: Sendable {
    private static let nextID = Atomic<Int>(1)

    /// Channels in the order of the sets they were built from (`ResolutionModel.upstreamSets`);
    /// `channel(for:)` finds one by its set's handle.
    public let channels: [PooledChannel]
    public let configurations: [UpstreamConfiguration]

    /// The servers of each upstream set, as explanations name them.
    public var upstreamNames: [[String]] { configurations.map { $0.servers.map(\.description) } }

    /// Resolves each set to servers and opens (or reuses from `previous`) its channel.
    public convenience init(sets: [[Upstream]], timeout: Duration, tries: Int, resolvConfPath: String = "/etc/resolv.conf",
                            limits: PendingForwardSettings = PendingForwardSettings(), reusing previous: UpstreamPool? = nil) throws {
        try self.init(configurations: Self.configurations(sets: sets, timeout: timeout, tries: tries, resolvConfPath: resolvConfPath),
                      limits: limits, reusing: previous)
    }

    /// The servers of each upstream set, with `resolv.conf` read now.
    public static func configurations(sets: [[Upstream]], timeout: Duration, tries: Int, randomizesCase: Bool = true,
                                      resolvConfPath: String = "/etc/resolv.conf") throws -> [UpstreamConfiguration] {
        try sets.map { set in
            var servers: [SocketAddress] = []
            for upstream in set {
                switch upstream {
                case .address(let address): servers.append(address)
                case .resolvConf: servers += try ResolvConf.nameservers(path: resolvConfPath)
                }
            }
            return UpstreamConfiguration(servers: servers, timeout: timeout, tries: tries, randomizesCase: randomizesCase)
        }
    }

    /// Opens a channel per configuration, or reuses `previous`'s channel for the same servers.
    public init(configurations: [UpstreamConfiguration], limits: PendingForwardSettings = PendingForwardSettings(),
                reusing previous: UpstreamPool? = nil) throws {
        var channels: [PooledChannel] = []
        for configuration in configurations {
            if let reused = previous?.channels.first(where: { $0.channel?.configuration == configuration }) {
                channels.append(PooledChannel(id: reused.id, channel: reused.channel, pending: reused.pending, limits: limits))
            } else {
                let id = Self.nextID.add(1, ordering: .relaxed).oldValue
                let channel = configuration.servers.isEmpty ? nil : try UpstreamChannel(configuration: configuration)
                channels.append(PooledChannel(id: id, channel: channel, pending: PendingForwards(), limits: limits))
            }
        }
        self.channels = channels
        self.configurations = configurations
    }

    /// The channel of upstream set `set` (of the model this pool was built for).
    public func channel(for set: UpstreamSetID) -> PooledChannel { channels[set.index] }

    /// The id of that channel (what cached answers from it are filed under), without copying the channel.
    public func id(of set: UpstreamSetID) -> Int { channels[set.index].id }

    /// Shuts down the channels of this pool that `successor` does not reuse.
    public func retire(keeping successor: UpstreamPool?) {
        for pooled in channels where !(successor?.channels.contains { $0.id == pooled.id } ?? false) {
            pooled.channel?.shutdown()
        }
    }

    /// Shuts down every channel.
    public func shutdown() { retire(keeping: nil) }
}
