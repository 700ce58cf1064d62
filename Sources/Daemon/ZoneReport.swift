import VPCModel

/// The text of `vpcdns zones`: every zone each VPC view serves, in zone-file format, its DNS
/// Firewall, its autodefined zones and their records (EC2 names, PTRs), the zones only its
/// inbound endpoints see, then the endpoint-specific names every view sees.
public struct ZoneReport {
    public let model: ResolutionModel

    public init(model: ResolutionModel) {
        self.model = model
    }

    public var text: String {
        var text = ""
        for view in model.views {
            text += ";; VPC \(view.name)\n"
            if view.zones.isEmpty { text += ";; (no private zones)\n\n" }
            for served in view.zones {
                text += ";; \(Reason(view: view.name, source: served.source, location: served.location))\n"
                text += served.zone.zoneFileText
                text += "\n"
            }
            if let firewall = view.firewall {
                text += ";; DNS Firewall, first: \(firewall.ruleCount == 1 ? "1 rule" : "\(firewall.ruleCount) rules") of \(firewall.ruleGroupIDs.joined(separator: ", ")), fail \(firewall.failOpen ? "open" : "closed")\n"
            }
            text += ";; autodefined zones, answered locally: \(view.autodefinedZones.map(\.description).joined(separator: " "))\n"
            for record in view.autodefinedRecords { text += "\(record)\n" }
            text += "\n"
        }
        for view in model.inboundViews {
            guard let endpoint = view.inboundEndpoint else { continue }
            let own = Set(model.views.first { $0.name == view.name }?.zones.map(\.zone.origin) ?? [])
            text += ";; VPC \(view.name) through inbound endpoint \(endpoint.id) (\(endpoint.listen.map(\.description).joined(separator: ", "))): the VPC's zones, and\n"
            let extra = view.zones.filter { !own.contains($0.zone.origin) }
            if extra.isEmpty { text += ";; (no zones of its own)\n" }
            for served in extra {
                text += ";; \(Reason(view: view.name, source: served.source, location: served.location))\n"
                text += served.zone.zoneFileText
            }
            text += "\n"
        }
        text += ";; endpoint-specific names (every view)\n"
        for record in model.endpointRecords { text += "\(record)\n" }
        return text
    }
}
