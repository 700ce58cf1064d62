import DNSWire
import DNSZone
import IPAddress
import VPCConfig

/// What one Profile gives each VPC associated with it (AWS-DNS-RULES S38), ready to merge.
struct ProfileContents {
    var definition: ProfileDefinition
    var zones: [ServedZone]
    var rules: [ResolverRule]
    /// Checked rule group associations.
    var ruleGroups: [FirewallGroupAssociationDefinition]
}

/// Profiles, inbound endpoint views and DNS Firewall associations.
extension ModelBuilder {
    /// Checks every Profile and loads what it holds once, for all of its VPCs.
    mutating func buildProfiles() {
        let vpcIDs = Set(config.vpcs.map(\.id))
        var endpoints: [String: EndpointDefinition] = [:]
        for vpc in config.vpcs {
            for endpoint in vpc.endpoints { endpoints[endpoint.id] = endpoint }
        }
        var seenProfiles: Set<String> = []
        var profileOfVPC: [String: String] = [:]
        for profile in config.profiles {
            if !seenProfiles.insert(profile.id).inserted {
                fail(profile.location(of: "id"), "ConflictException: a Profile with id \(profile.id) is already defined")
                continue
            }
            var contents = ProfileContents(definition: profile, zones: [], rules: [], ruleGroups: [])
            for reference in profile.zones {
                do throws(ConfigErrors) {
                    let zone = try loadZone(reference)
                    if contents.zones.contains(where: { $0.zone.origin == zone.origin }) {
                        fail(reference.location, "ConflictException: Profile \(profile.id) already holds a hosted zone named \(zone.origin)")
                        continue
                    }
                    contents.zones.append(ServedZone(zone: zone, source: .privateZone(apex: zone.origin, file: reference.path),
                                                     location: reference.location, rotatesAnswers: false))
                } catch {
                    for problem in error.errors { fail(problem.location, problem.message) }
                }
            }
            for endpointID in profile.endpoints {
                guard let endpoint = endpoints[endpointID] else {
                    fail(profile.location(of: "endpoints"), "ResourceNotFoundException: endpoint \(endpointID) is not defined under any VPC's endpoints")
                    continue
                }
                guard endpoint.type == .interface, endpoint.state == .available, let service = ServiceName(endpoint.service) else { continue }
                for served in managedZones(of: endpoint, names: privateNames(for: service, endpoint: endpoint))
                where !contents.zones.contains(where: { $0.zone.origin == served.zone.origin }) {
                    contents.zones.append(served)
                }
            }
            var ruleDomains: Set<DNSName> = []
            for rule in profile.rules {
                guard let domain = try? DNSName(rule.domain) else {
                    fail(rule.location(of: "domain"), "bad rule domain '\(rule.domain)'")
                    continue
                }
                guard ruleDomains.insert(domain).inserted else {
                    fail(rule.location(of: "domain"), "ConflictException: Profile \(profile.id) already holds a rule for \(domain)")
                    continue
                }
                contents.rules.append(resolverRule(rule, domain: domain))
            }
            contents.ruleGroups = checkedAssociations(profile.firewall, owner: profile.id)
            for vpcID in profile.vpcs {
                guard vpcIDs.contains(vpcID) else {
                    fail(profile.location(of: "vpcs"), "ResourceNotFoundException: VPC \(vpcID) is not defined under vpcs")
                    continue
                }
                if let other = profileOfVPC[vpcID] {
                    fail(profile.location(of: "vpcs"),
                         "ConflictException: VPC \(vpcID) is already associated with Profile \(other); a VPC can have only one Profile")
                    continue
                }
                profileOfVPC[vpcID] = profile.id
                profiles[vpcID] = contents
            }
        }
    }

    /// Adds a Profile's zones and rules where the VPC has none of its own at the same name: the
    /// VPC's own resources take precedence at an identical name, and the most specific name
    /// still wins across both (docs/aws-behaviour.md, Profiles).
    mutating func addProfile(_ profile: ProfileContents, to authorities: inout [DNSName: Authority], privateZonesServed: Bool) {
        if privateZonesServed {
            for served in profile.zones where authorities[served.zone.origin]?.zone == nil {
                authorities[served.zone.origin, default: Authority()].zone = served
            }
        }
        for rule in profile.rules where authorities[rule.domain]?.rule == nil {
            authorities[rule.domain, default: Authority()].rule = rule
        }
    }

    /// The VPC's firewall: its own rule groups and its Profile's, by association priority (the
    /// VPC's own first at equal priority). The fail mode is the Profile's when it sets one, else
    /// the VPC's, else closed.
    mutating func firewall(of vpc: VPCDefinition) -> Firewall? {
        let own = checkedAssociations(vpc.firewall, owner: vpc.id)
        let profile = profiles[vpc.id]
        let merged = (own.map { ($0, 0) } + (profile?.ruleGroups ?? []).map { ($0, 1) })
            .sorted { ($0.0.priority, $0.1) < ($1.0.priority, $1.1) }
            .map(\.0)
        var seen: Set<String> = []
        let unique = merged.filter { seen.insert($0.id).inserted }
        let failOpen = profile?.definition.firewall?.failOpen ?? vpc.firewall?.failOpen ?? false
        return firewalls.firewall(unique, failOpen: failOpen)
    }

    /// The associations that name a known rule group, each group and priority once per owner.
    private mutating func checkedAssociations(_ settings: FirewallAssociationsDefinition?, owner: String) -> [FirewallGroupAssociationDefinition] {
        guard let settings else { return [] }
        var groups: Set<String> = []
        var priorities: [Int: String] = [:]
        var checked: [FirewallGroupAssociationDefinition] = []
        for association in settings.ruleGroups {
            guard firewalls.groups[association.id] != nil else {
                fail(association.location(of: "id"), "ResourceNotFoundException: rule group \(association.id) is not defined under firewall.rule_groups")
                continue
            }
            guard groups.insert(association.id).inserted else {
                fail(association.location(of: "id"), "ConflictException: rule group \(association.id) is already associated with \(owner)")
                continue
            }
            if let other = priorities[association.priority] {
                fail(association.location(of: "priority"),
                     "ConflictException: priority \(association.priority) is already used by rule group \(other) on \(owner)")
                continue
            }
            priorities[association.priority] = association.id
            checked.append(association)
        }
        return checked
    }

    /// Inbound endpoint ids and addresses are each used once, and not as a VPC's own `listen`.
    mutating func checkInboundEndpoints() {
        var ids: Set<String> = []
        var addresses: [SocketAddress: String] = [:]
        for vpc in config.vpcs {
            for address in vpc.listen { addresses[address] = vpc.id }
        }
        for vpc in config.vpcs {
            for endpoint in vpc.inboundEndpoints {
                if !ids.insert(endpoint.id).inserted {
                    fail(endpoint.location(of: "id"), "ResourceExistsException: inbound endpoint \(endpoint.id) is already defined")
                }
                for address in endpoint.listen {
                    if let owner = addresses[address] {
                        fail(endpoint.location(of: "listen"), "InvalidParameterException: \(address) is already an address of \(owner.hasPrefix("vpc-") ? "VPC" : "inbound endpoint") \(owner)")
                    }
                    addresses[address] = endpoint.id
                }
            }
        }
    }

    /// One view per inbound endpoint of the VPC: its view, plus the zones only inbound queries see.
    mutating func buildInboundViews(of view: View, adding inboundOnlyZones: [ServedZone]) -> [View] {
        guard let vpc = view.vpc, !vpc.inboundEndpoints.isEmpty else { return [] }
        var authorities = view.authorities
        for served in inboundOnlyZones where authorities[served.zone.origin]?.zone == nil {
            authorities[served.zone.origin, default: Authority()].zone = served
        }
        return vpc.inboundEndpoints.map { endpoint in
            View(name: view.name, vpc: vpc, dnsSupport: view.dnsSupport, authorities: authorities,
                 instanceNames: view.instanceNames, firewall: view.firewall, inboundEndpoint: endpoint)
        }
    }
}
