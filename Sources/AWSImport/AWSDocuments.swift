import IPAddress
import Yams

/// What `vpcdns import` reads from AWS CLI output (AWS-DNS-RULES section 9): enum words are
/// compared case-insensitively, since real output mixes `available` and `Interface`.
struct ImportedEndpoint {
    var id: String
    var type: String
    var vpcID: String
    var serviceName: String
    var state: String
    var privateDNSEnabled: Bool
    var dnsRecordIPType: String
    var privateDNSOnlyForInboundResolverEndpoint: Bool
    var networkInterfaceIDs: [String]
    var dnsNames: [String]
}

struct ImportedInterface {
    var id: String
    var availabilityZone: String
    var ipv4: String?
    var ipv6: String?
}

struct ImportedVPC {
    var id: String
    var cidrs: [String]
    var enableDNSSupport: Bool?
    var enableDNSHostnames: Bool?
}

/// A problem in an input document, naming the file and what is wrong.
public struct ImportError: Error, CustomStringConvertible {
    public var file: String
    public var message: String
    public var description: String { "\(file): \(message)" }

    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }
}

/// Reads JSON (a subset of YAML, so Yams parses it) into plain values.
struct JSONDocument {
    let file: String
    let root: [String: Any]

    init(file: String, text: String) throws(ImportError) {
        self.file = file
        let loaded: Any?
        do {
            loaded = try Yams.load(yaml: text)
        } catch {
            throw ImportError(file: file, message: "not valid JSON: \(error)")
        }
        guard let root = loaded as? [String: Any] else { throw ImportError(file: file, message: "expected a JSON object at the top") }
        self.root = root
    }

    func list(_ key: String, in object: [String: Any]? = nil) throws(ImportError) -> [[String: Any]] {
        guard let value = (object ?? root)[key] else { throw ImportError(file: file, message: "missing \"\(key)\"") }
        guard let items = value as? [[String: Any]] else { throw ImportError(file: file, message: "\"\(key)\" is not a list of objects") }
        return items
    }

    func string(_ key: String, in object: [String: Any], context: String) throws(ImportError) -> String {
        guard let value = object[key] as? String else { throw ImportError(file: file, message: "\(context): missing \"\(key)\"") }
        return value
    }
}

extension ImportedEndpoint {
    /// `aws ec2 describe-vpc-endpoints` → `{"VpcEndpoints": [...]}`.
    static func parse(_ document: JSONDocument) throws(ImportError) -> [ImportedEndpoint] {
        var endpoints: [ImportedEndpoint] = []
        for item in try document.list("VpcEndpoints") {
            let id = try document.string("VpcEndpointId", in: item, context: "an endpoint")
            let options = item["DnsOptions"] as? [String: Any] ?? [:]
            let addressType = (item["IpAddressType"] as? String)?.lowercased() ?? "ipv4"
            endpoints.append(ImportedEndpoint(
                id: id,
                type: (item["VpcEndpointType"] as? String ?? "Interface").lowercased(),
                vpcID: try document.string("VpcId", in: item, context: id),
                serviceName: try document.string("ServiceName", in: item, context: id),
                state: (item["State"] as? String ?? "available").lowercased(),
                privateDNSEnabled: item["PrivateDnsEnabled"] as? Bool ?? false,
                // The DNS record IP type defaults to the endpoint's IP address type (rule 2.6).
                dnsRecordIPType: (options["DnsRecordIpType"] as? String)?.lowercased() ?? addressType,
                privateDNSOnlyForInboundResolverEndpoint: options["PrivateDnsOnlyForInboundResolverEndpoint"] as? Bool ?? false,
                networkInterfaceIDs: item["NetworkInterfaceIds"] as? [String] ?? [],
                dnsNames: (item["DnsEntries"] as? [[String: Any]] ?? []).compactMap { $0["DnsName"] as? String }))
        }
        return endpoints
    }

    /// The 8-character suffix from the regional name `vpce-<id>-<suffix>.<base>` (or `*.vpce-…`).
    var dnsSuffix: String? {
        for name in dnsNames {
            let labels = name.split(separator: ".")
            guard let label = labels.first(where: { $0 != "*" }), label.hasPrefix(id + "-") else { continue }
            let rest = label.dropFirst(id.count + 1)
            let suffix = rest.prefix { $0 != "-" }
            if suffix.count == 8 { return String(suffix) }
        }
        return nil
    }
}

extension ImportedInterface {
    /// `aws ec2 describe-network-interfaces` → `{"NetworkInterfaces": [...]}`.
    static func parse(_ document: JSONDocument) throws(ImportError) -> [String: ImportedInterface] {
        var interfaces: [String: ImportedInterface] = [:]
        for item in try document.list("NetworkInterfaces") {
            let id = try document.string("NetworkInterfaceId", in: item, context: "a network interface")
            let ipv6 = (item["Ipv6Addresses"] as? [[String: Any]] ?? []).compactMap { $0["Ipv6Address"] as? String }.first
                ?? item["Ipv6Address"] as? String
            interfaces[id] = ImportedInterface(id: id, availabilityZone: try document.string("AvailabilityZone", in: item, context: id),
                                               ipv4: item["PrivateIpAddress"] as? String, ipv6: ipv6)
        }
        return interfaces
    }
}

extension ImportedVPC {
    /// `aws ec2 describe-vpcs` → `{"Vpcs": [...]}` with their IPv4 and IPv6 blocks.
    static func parse(_ document: JSONDocument) throws(ImportError) -> [String: ImportedVPC] {
        var vpcs: [String: ImportedVPC] = [:]
        for item in try document.list("Vpcs") {
            let id = try document.string("VpcId", in: item, context: "a VPC")
            var cidrs = (item["CidrBlockAssociationSet"] as? [[String: Any]] ?? []).compactMap { $0["CidrBlock"] as? String }
            if cidrs.isEmpty, let primary = item["CidrBlock"] as? String { cidrs = [primary] }
            cidrs += (item["Ipv6CidrBlockAssociationSet"] as? [[String: Any]] ?? []).compactMap { $0["Ipv6CidrBlock"] as? String }
            vpcs[id] = ImportedVPC(id: id, cidrs: cidrs)
        }
        return vpcs
    }

    /// `aws ec2 describe-vpc-attribute --attribute enableDnsSupport|enableDnsHostnames` output.
    static func applyAttribute(_ document: JSONDocument, to vpcs: inout [String: ImportedVPC]) throws(ImportError) {
        let id = try document.string("VpcId", in: document.root, context: "a VPC attribute")
        let value = { (key: String) in (document.root[key] as? [String: Any])?["Value"] as? Bool }
        guard value("EnableDnsSupport") != nil || value("EnableDnsHostnames") != nil else {
            throw ImportError(file: document.file, message: "expected EnableDnsSupport or EnableDnsHostnames")
        }
        var vpc = vpcs[id] ?? ImportedVPC(id: id, cidrs: [])
        if let support = value("EnableDnsSupport") { vpc.enableDNSSupport = support }
        if let hostnames = value("EnableDnsHostnames") { vpc.enableDNSHostnames = hostnames }
        vpcs[id] = vpc
    }
}
