import VPCModel

/// The text of `vpcdns zones`: every zone each VPC view serves, in zone-file format, then the
/// endpoint-specific names every view sees.
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
        }
        text += ";; endpoint-specific names (every view)\n"
        for record in model.endpointRecords { text += "\(record)\n" }
        return text
    }
}
