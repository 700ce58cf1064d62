/// An instance from `aws ec2 describe-instances` (botocore `Instance`): what its EC2 names need.
struct ImportedInstance {
    var id: String
    var vpcID: String
    var availabilityZone: String
    /// Private IPv4 addresses, the primary address of the primary interface first.
    var ipv4: [String]
    /// IPv6 addresses, the primary first.
    var ipv6: [String]
    var publicIPv4: String?
    /// `ip-name` or `resource-name`, lowercased.
    var hostnameType: String
    var resourceNameA: Bool
    var resourceNameAAAA: Bool
    /// Whether EC2 gave it a public DNS name, which it does only when the VPC has both DNS
    /// attributes on (AWS-DNS-RULES 11.2).
    var hasPublicDNSName: Bool
}

extension ImportedInstance {
    /// `{"Reservations": [{"Instances": [...]}]}`. Instances without a VPC or an address
    /// (terminated ones) are left out.
    static func parse(_ document: JSONDocument) throws(ImportError) -> [ImportedInstance] {
        var instances: [ImportedInstance] = []
        for reservation in try document.list("Reservations") {
            for item in try document.list("Instances", in: reservation) {
                let id = try document.string("InstanceId", in: item, context: "an instance")
                guard let vpcID = item["VpcId"] as? String else { continue }
                let interfaces = (item["NetworkInterfaces"] as? [[String: Any]] ?? []).sorted {
                    deviceIndex($0) < deviceIndex($1)
                }
                var ipv4: [String] = (item["PrivateIpAddress"] as? String).map { [$0] } ?? []
                var ipv6: [String] = (item["Ipv6Address"] as? String).map { [$0] } ?? []
                for interface in interfaces {
                    let privates = (interface["PrivateIpAddresses"] as? [[String: Any]] ?? [])
                        .sorted { ($0["Primary"] as? Bool ?? false) && !($1["Primary"] as? Bool ?? false) }
                    for address in privates.compactMap({ $0["PrivateIpAddress"] as? String }) where !ipv4.contains(address) {
                        ipv4.append(address)
                    }
                    let v6 = (interface["Ipv6Addresses"] as? [[String: Any]] ?? [])
                        .sorted { ($0["IsPrimaryIpv6"] as? Bool ?? false) && !($1["IsPrimaryIpv6"] as? Bool ?? false) }
                    for address in v6.compactMap({ $0["Ipv6Address"] as? String }) where !ipv6.contains(address) {
                        ipv6.append(address)
                    }
                }
                guard !ipv4.isEmpty || !ipv6.isEmpty else { continue }
                let placement = item["Placement"] as? [String: Any] ?? [:]
                let options = item["PrivateDnsNameOptions"] as? [String: Any] ?? [:]
                instances.append(ImportedInstance(
                    id: id, vpcID: vpcID,
                    availabilityZone: try document.string("AvailabilityZone", in: placement, context: "\(id) Placement"),
                    ipv4: ipv4, ipv6: ipv6, publicIPv4: item["PublicIpAddress"] as? String,
                    hostnameType: (options["HostnameType"] as? String)?.lowercased() ?? (ipv4.isEmpty ? "resource-name" : "ip-name"),
                    resourceNameA: options["EnableResourceNameDnsARecord"] as? Bool ?? false,
                    resourceNameAAAA: options["EnableResourceNameDnsAAAARecord"] as? Bool ?? false,
                    hasPublicDNSName: !(item["PublicDnsName"] as? String ?? "").isEmpty))
            }
        }
        return instances
    }

    private static func deviceIndex(_ interface: [String: Any]) -> Int {
        (interface["Attachment"] as? [String: Any])?["DeviceIndex"] as? Int ?? Int.max
    }

    /// The `instances:` item.
    var yaml: String {
        var text = "      - id: \(id)\n"
        text += "        ipv4: [\(ipv4.joined(separator: ", "))]\n"
        if !ipv6.isEmpty { text += "        ipv6: [\(ipv6.map { "\"\($0)\"" }.joined(separator: ", "))]\n" }
        if let publicIPv4 { text += "        public_ipv4: \(publicIPv4)\n" }
        text += "        hostname_type: \(hostnameType)\n"
        if resourceNameA { text += "        resource_name_a: true\n" }
        if resourceNameAAAA { text += "        resource_name_aaaa: true\n" }
        return text
    }
}
