import VPCModel

/// The text of `vpcdns zones`: every zone each VPC view serves, in zone-file format, its
/// autodefined zones and their records (EC2 names, PTRs), then the endpoint-specific names
/// every view sees.
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
            text += ";; autodefined zones, answered locally: \(view.autodefinedZones.map(\.description).joined(separator: " "))\n"
            for record in view.autodefinedRecords { text += "\(record)\n" }
            text += "\n"
        }
        text += ";; endpoint-specific names (every view)\n"
        for record in model.endpointRecords { text += "\(record)\n" }
        return text
    }
}
