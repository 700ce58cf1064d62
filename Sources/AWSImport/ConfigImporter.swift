/// Turns AWS CLI output into the `vpcs:` section of a vpcdns config, so a test host answers
/// exactly like the VPCs it mirrors.
public struct ConfigImporter {
    private var endpoints: [ImportedEndpoint] = []
    private var interfaces: [String: ImportedInterface] = [:]
    private var vpcs: [String: ImportedVPC] = [:]
    private var firewall = ImportedFirewall()

    public init() {}

    /// Adds a document of `describe-vpc-endpoints`, `describe-network-interfaces`, `describe-vpcs`
    /// or `describe-vpc-attribute` output; which one is told by its top-level key.
    public mutating func add(file: String, text: String) throws(ImportError) {
        let document = try JSONDocument(file: file, text: text)
        if document.root["VpcEndpoints"] != nil {
            endpoints += try ImportedEndpoint.parse(document)
        } else if document.root["NetworkInterfaces"] != nil {
            interfaces.merge(try ImportedInterface.parse(document)) { _, new in new }
        } else if document.root["Vpcs"] != nil {
            for (id, vpc) in try ImportedVPC.parse(document) {
                var merged = vpc
                merged.enableDNSSupport = vpcs[id]?.enableDNSSupport
                merged.enableDNSHostnames = vpcs[id]?.enableDNSHostnames
                vpcs[id] = merged
            }
        } else if document.root["VpcId"] != nil {
            try ImportedVPC.applyAttribute(document, to: &vpcs)
        } else if try firewall.add(document) {
            return
        } else {
            throw ImportError(file: file, message: "not describe-vpc-endpoints, describe-network-interfaces, describe-vpcs, describe-vpc-attribute or route53resolver list-firewall-* output")
        }
    }

    /// The `firewall:` (when firewall output was given) and `vpcs:` YAML. Every VPC that has
    /// endpoints is listed, in endpoint order, then every other VPC with rule groups.
    public func yaml() throws(ImportError) -> String {
        var order: [String] = []
        for endpoint in endpoints where !order.contains(endpoint.vpcID) { order.append(endpoint.vpcID) }
        for association in firewall.associations where !order.contains(association.vpcID) { order.append(association.vpcID) }
        var text = firewall.isEmpty ? "" : firewall.yaml()
        text += "vpcs:\n"
        for vpcID in order {
            let members = endpoints.filter { $0.vpcID == vpcID }
            text += try vpcYAML(vpcID, endpoints: members)
        }
        return text
    }

    private func vpcYAML(_ vpcID: String, endpoints: [ImportedEndpoint]) throws(ImportError) -> String {
        guard let vpc = vpcs[vpcID], !vpc.cidrs.isEmpty else {
            throw ImportError(file: "describe-vpcs", message: "no CIDR blocks for \(vpcID): add `aws ec2 describe-vpcs` output")
        }
        let zones = endpoints.flatMap { $0.networkInterfaceIDs.compactMap { interfaces[$0]?.availabilityZone } }
        guard let region = zones.first.map({ String($0.dropLast()) }) ?? (endpoints.isEmpty ? firewall.region(of: vpcID) : nil) else {
            throw ImportError(file: "describe-network-interfaces", message: "no interfaces of \(vpcID)'s endpoints: add `aws ec2 describe-network-interfaces` output")
        }
        // A VPC with private DNS on an endpoint has both attributes on: AWS refuses it otherwise.
        let privateDNS = endpoints.contains { $0.privateDNSEnabled }
        var text = """
          - id: \(vpcID)
            region: \(region)
            cidrs: [\(vpc.cidrs.map { "\"\($0)\"" }.joined(separator: ", "))]
            enable_dns_support: \(vpc.enableDNSSupport ?? true)
            enable_dns_hostnames: \(vpc.enableDNSHostnames ?? privateDNS)

        """
        text += firewall.vpcYAML(vpcID) ?? ""
        if !endpoints.isEmpty { text += "    endpoints:\n" }
        for endpoint in endpoints { text += try endpointYAML(endpoint) }
        return text
    }

    private func endpointYAML(_ endpoint: ImportedEndpoint) throws(ImportError) -> String {
        var text = """
              - id: \(endpoint.id)
                service: \(endpoint.serviceName)
                type: \(endpoint.type)
                state: \(endpoint.state)

        """
        guard endpoint.type == "interface" else { return text }
        guard let suffix = endpoint.dnsSuffix else {
            throw ImportError(file: "describe-vpc-endpoints", message: "\(endpoint.id): no vpce-\(endpoint.id.dropFirst(5))-<suffix> name in DnsEntries")
        }
        text += """
                dns_suffix: \(suffix)
                private_dns: \(endpoint.privateDNSEnabled)
                ip_type: \(endpoint.dnsRecordIPType)

        """
        if endpoint.privateDNSOnlyForInboundResolverEndpoint {
            text += "        private_dns_only_for_inbound_resolver_endpoint: true\n"
        }
        text += "        interfaces:\n"
        for interfaceID in endpoint.networkInterfaceIDs {
            guard let interface = interfaces[interfaceID] else {
                throw ImportError(file: "describe-network-interfaces", message: "\(endpoint.id): interface \(interfaceID) is not in the network interfaces given")
            }
            var fields = ["az: \(interface.availabilityZone)"]
            if let ipv4 = interface.ipv4 { fields.append("ipv4: \(ipv4)") }
            if let ipv6 = interface.ipv6 { fields.append("ipv6: \"\(ipv6)\"") }
            text += "          - { \(fields.joined(separator: ", ")) }\n"
        }
        return text
    }
}
