/// An interface endpoint service from `aws ec2 describe-vpc-endpoint-services` (botocore
/// `ServiceDetail`): its private DNS names and base endpoint name, so the account's own catalog
/// replaces the embedded one (AWS-DNS-RULES 9.3).
struct ImportedService {
    var name: String
    var privateDNSNames: [String]
    var baseEndpointDNSName: String?
}

extension ImportedService {
    /// `{"ServiceDetails": [...]}`. Gateway services add no DNS and are left out; a private name
    /// whose verification is not done yet is not served by AWS, so it is left out too.
    static func parse(_ document: JSONDocument) throws(ImportError) -> [ImportedService] {
        var services: [ImportedService] = []
        for item in try document.list("ServiceDetails") {
            let name = try document.string("ServiceName", in: item, context: "a service")
            let types = (item["ServiceType"] as? [[String: Any]] ?? []).compactMap { ($0["ServiceType"] as? String)?.lowercased() }
            guard types.contains("interface"), !services.contains(where: { $0.name == name }) else { continue }
            var names = (item["PrivateDnsNames"] as? [[String: Any]] ?? []).compactMap { $0["PrivateDnsName"] as? String }
            if names.isEmpty, let single = item["PrivateDnsName"] as? String { names = [single] }
            if let state = item["PrivateDnsNameVerificationState"] as? String, state.lowercased() != "verified" { names = [] }
            services.append(ImportedService(name: name, privateDNSNames: names,
                                            baseEndpointDNSName: (item["BaseEndpointDnsNames"] as? [String])?.first))
        }
        return services
    }

    /// The `services:` item.
    var yaml: String {
        var text = "  - name: \(name)\n"
        text += "    private_dns_names: [\(privateDNSNames.map { "\"\($0)\"" }.joined(separator: ", "))]\n"
        if let baseEndpointDNSName { text += "    base_endpoint_dns_name: \(baseEndpointDNSName)\n" }
        return text
    }
}
