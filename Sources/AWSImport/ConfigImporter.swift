/// Turns AWS CLI output into the `vpcs:` section of a vpcdns config, so a test host answers
/// exactly like the VPCs it mirrors.
public struct ConfigImporter {
    private var endpoints: [ImportedEndpoint] = []
    private var interfaces: [String: ImportedInterface] = [:]
    private var vpcs: [String: ImportedVPC] = [:]
    private var firewall = ImportedFirewall()
    private var instances: [ImportedInstance] = []
    private var services: [ImportedService] = []

    public init() {}

    /// Adds a document of `describe-vpc-endpoints`, `describe-network-interfaces`, `describe-vpcs`,
    /// `describe-vpc-attribute`, `describe-instances` or `describe-vpc-endpoint-services` output;
    /// which one is told by its top-level key.
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
        } else if document.root["Reservations"] != nil {
            instances += try ImportedInstance.parse(document)
        } else if document.root["ServiceDetails"] != nil {
            services += try ImportedService.parse(document)
        } else if try firewall.add(document) {
            return
        } else {
            throw ImportError(file: file, message: "not describe-vpc-endpoints, describe-network-interfaces, describe-vpcs, describe-vpc-attribute, describe-instances, describe-vpc-endpoint-services or route53resolver list-firewall-* output")
        }
    }

    /// The `services:` section (when service details were given), the `firewall:` section (when
    /// firewall output was given), then the `vpcs:` section: every VPC that has endpoints,
    /// instances or firewall rule groups, in the order they first appear.
    public func yaml() throws(ImportError) -> String {
        var order: [String] = []
        for vpcID in endpoints.map(\.vpcID) + instances.map(\.vpcID) + firewall.associations.map(\.vpcID) where !order.contains(vpcID) {
            order.append(vpcID)
        }
        var text = ""
        if !services.isEmpty {
            text += "services:\n" + services.map(\.yaml).joined()
        }
        if !firewall.isEmpty {
            text += firewall.yaml()
        }
        if !order.isEmpty || services.isEmpty {
            text += "vpcs:\n"
        }
        for vpcID in order {
            text += try vpcYAML(vpcID, endpoints: endpoints.filter { $0.vpcID == vpcID }, instances: instances.filter { $0.vpcID == vpcID })
        }
        return text
    }

    private func vpcYAML(_ vpcID: String, endpoints: [ImportedEndpoint], instances: [ImportedInstance]) throws(ImportError) -> String {
        guard let vpc = vpcs[vpcID], !vpc.cidrs.isEmpty else {
            throw ImportError(file: "describe-vpcs", message: "no CIDR blocks for \(vpcID): add `aws ec2 describe-vpcs` output")
        }
        let zones = endpoints.flatMap { $0.networkInterfaceIDs.compactMap { interfaces[$0]?.availabilityZone } }
            + instances.map(\.availabilityZone)
        guard let region = zones.first.map({ String($0.dropLast()) }) ?? firewall.region(of: vpcID) else {
            throw ImportError(file: "describe-network-interfaces", message: "no interfaces of \(vpcID)'s endpoints: add `aws ec2 describe-network-interfaces` output")
        }
        // A VPC with private DNS on an endpoint, or with an instance that has a public DNS name,
        // has both attributes on: AWS refuses the one and does not give the other otherwise.
        let privateDNS = endpoints.contains { $0.privateDNSEnabled } || instances.contains { $0.hasPublicDNSName }
        var text = """
          - id: \(vpcID)
            region: \(region)
            cidrs: [\(vpc.cidrs.map { "\"\($0)\"" }.joined(separator: ", "))]
            enable_dns_support: \(vpc.enableDNSSupport ?? true)
            enable_dns_hostnames: \(vpc.enableDNSHostnames ?? privateDNS)

        """
        text += firewall.vpcYAML(vpcID) ?? ""
        if !endpoints.isEmpty {
            text += "    endpoints:\n"
            for endpoint in endpoints { text += try endpointYAML(endpoint) }
        }
        if !instances.isEmpty {
            text += "    instances:\n" + instances.map(\.yaml).joined()
        }
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
