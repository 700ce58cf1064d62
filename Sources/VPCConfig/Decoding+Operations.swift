import IPAddress
import Yams

/// Decoders for the operations blocks: `metrics`, `control`, `explain`.
extension ConfigDecoder {
    static func metrics(_ node: Node, reader: NodeReader) -> MetricsSettings? {
        guard let fields = reader.mapping(node, what: "metrics", key: "metrics", allowed: ["listen"]) else { return nil }
        guard let listenNode = fields.required("listen"),
              let text = reader.string(listenNode, key: "listen") else { return nil }
        guard let address = SocketAddress(text, defaultPort: 9153) else {
            reader.fail(listenNode, "listen: '\(text)' is not a valid address (expected ip:port or [ipv6]:port)")
            return nil
        }
        return MetricsSettings(listen: address, origin: fields.origin)
    }

    static func control(_ node: Node, reader: NodeReader, baseDirectory: String) -> ControlSettings? {
        guard let fields = reader.mapping(node, what: "control", key: "control", allowed: ["socket", "group"]) else { return nil }
        var group: String?
        if let node = fields.optional("group") {
            group = reader.string(node, key: "group") { $0.isEmpty || $0.contains(where: \.isWhitespace) ? "is not a group name" : nil }
        }
        guard let socketNode = fields.required("socket"), let path = filePath(socketNode, key: "socket", reader: reader)
        else { return nil }
        return ControlSettings(socket: Paths.resolve(path, against: baseDirectory), group: group, origin: fields.origin)
    }

    static func explain(_ node: Node, reader: NodeReader) -> ExplainSettings? {
        guard let fields = reader.mapping(node, what: "explain", key: "explain", allowed: ["allow"]) else { return nil }
        guard let allowNode = fields.required("allow"),
              let allow = reader.cidrs(allowNode, key: "allow", example: "127.0.0.0/8") else { return nil }
        return ExplainSettings(allow: allow, origin: fields.origin)
    }
}
