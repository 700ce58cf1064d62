import DNSWire
import VPCConfig

/// What the config holds at one name of a view, for `vpcdns explain`: read-only views of the
/// tables `decide` walks, so explanations can cite every fact with its config line.
public struct ConfiguredName: Sendable {
    public enum Kind: Sendable {
        /// A FORWARD rule to upstream set `upstream`.
        case forwardRule(upstream: UpstreamSetID)
        case systemRule
        case zone(ServedZone)
        /// A zone the resolver answers without config (EC2 names, reverse zones, `localhost`);
        /// its location is the VPC's (or, for the default view, unknown).
        case autodefined(String)
    }

    /// The rule's domain or the zone's apex.
    public let name: DNSName
    public let kind: Kind
    /// Where it was configured; nil for the default view's autodefined zones.
    public let location: SourceLocation?
}

extension View {
    /// Rules and zones at `name` and each of its parent names, longest first: the candidates
    /// `decide` considers, in its order.
    public func configured(along name: DNSName) -> [ConfiguredName] {
        var found: [ConfiguredName] = []
        for drop in 0...name.labelCount {
            let suffix = drop == 0 ? name : name.dropping(labels: drop)
            guard let authority = authorities[suffix] else { continue }
            if let rule = authority.rule {
                switch rule.kind {
                case .forward(let upstream): found.append(ConfiguredName(name: suffix, kind: .forwardRule(upstream: upstream), location: rule.location))
                case .system: found.append(ConfiguredName(name: suffix, kind: .systemRule, location: rule.location))
                }
            }
            if let zone = authority.zone { found.append(ConfiguredName(name: suffix, kind: .zone(zone), location: zone.location)) }
            if let zone = authority.autodefined {
                found.append(ConfiguredName(name: suffix, kind: .autodefined(zone.kindDescription), location: vpc?.origin.location))
            }
        }
        return found
    }
}

extension ResolutionModel {
    /// The endpoint whose endpoint-specific name `name` is, if any.
    public func endpointNameOwner(_ name: DNSName) -> String? {
        endpointNames.lookup(name)?.endpointID
    }
}

extension AutodefinedZone {
    var kindDescription: String {
        switch kind {
        case .privateEC2: "EC2 private names"
        case .publicEC2: "EC2 public names"
        case .reverse: "reverse zone"
        case .localhost: "localhost (RFC 6761)"
        case .empty: "empty"
        }
    }
}
