import IPAddress
import Yams

/// Decoding of a VPC's `instances:` entries.
extension ConfigDecoder {
    static func instance(_ node: Node, reader: NodeReader) -> InstanceDefinition? {
        guard let fields = reader.mapping(node, what: "instance", key: "instances", allowed: [
            "id", "ipv4", "ipv6", "public_ipv4", "hostname_type", "resource_name_a", "resource_name_aaaa",
        ]) else { return nil }
        let id = fields.required("id").flatMap { reader.string($0, key: "id", format: Formats.instanceID) }
        var fine = true
        var ipv4: [IPv4Address] = []
        if let node = fields.optional("ipv4") {
            if let addresses = addresses(node, key: "ipv4", reader: reader, parse: IPv4Address.init) { ipv4 = addresses } else { fine = false }
        }
        var ipv6: [IPv6Address] = []
        if let node = fields.optional("ipv6") {
            if let addresses = addresses(node, key: "ipv6", reader: reader, parse: IPv6Address.init) { ipv6 = addresses } else { fine = false }
        }
        var publicIPv4: IPv4Address?
        if let node = fields.optional("public_ipv4") {
            if let address = addresses(node, key: "public_ipv4", reader: reader, single: true, parse: IPv4Address.init)?.first {
                publicIPv4 = address
            } else {
                fine = false
            }
        }
        var hostnameType = InstanceDefinition.defaultHostnameType
        if let node = fields.optional("hostname_type") {
            hostnameType = reader.word(node, key: "hostname_type", as: InstanceDefinition.HostnameType.self,
                                       what: "hostname type") ?? hostnameType
        }
        var resourceNameA = false, resourceNameAAAA = false
        if let node = fields.optional("resource_name_a") {
            resourceNameA = reader.boolean(node, key: "resource_name_a") ?? resourceNameA
        }
        if let node = fields.optional("resource_name_aaaa") {
            resourceNameAAAA = reader.boolean(node, key: "resource_name_aaaa") ?? resourceNameAAAA
        }
        if fields.optional("ipv4") == nil && fields.optional("ipv6") == nil {
            reader.fail(fields.location, "instance needs an address: give ipv4, ipv6 or both")
            fine = false
        }
        guard let id, fine else { return nil }
        return InstanceDefinition(id: id, ipv4: ipv4, ipv6: ipv6, publicIPv4: publicIPv4, hostnameType: hostnameType,
                                  resourceNameA: resourceNameA, resourceNameAAAA: resourceNameAAAA, origin: fields.origin)
    }

    /// One address, or (unless `single`) a list of them.
    private static func addresses<T>(_ node: Node, key: String, reader: NodeReader, single: Bool = false,
                                     parse: (String) -> T?) -> [T]? {
        let what = key == "ipv6" ? "an IPv6 address" : "an IPv4 address"
        if !single, case .sequence = node {
            return reader.list(node, key: key, expected: what) { parse($0) }
        }
        guard let text = reader.string(node, key: key) else { return nil }
        guard let address = parse(text) else {
            reader.fail(node, "\(key): '\(text)' is not \(what)")
            return nil
        }
        return [address]
    }
}
