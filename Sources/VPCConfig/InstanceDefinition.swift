import IPAddress

/// One `instances:` entry of a VPC: an EC2 instance (or any network interface with private DNS
/// names) whose EC2 hostnames and reverse names the VPC's resolver answers (AWS-DNS-RULES 11.2).
public struct InstanceDefinition: Hashable, Sendable, ConfigLocatable {
    /// `hostname_type` values: AWS's `PrivateDnsNameOptions.HostnameType`.
    public enum HostnameType: String, Hashable, Sendable, CaseIterable {
        /// `ip-10-10-5-5.<region>.compute.internal`, from the primary private IPv4 address.
        case ipName = "ip-name"
        /// `i-0123456789abcdef0.<region>.compute.internal`, from the instance id.
        case resourceName = "resource-name"
    }

    /// `id` (required): `i-` and 8 or 17 lowercase hex digits.
    public var id: String
    /// `ipv4`: private IPv4 addresses, the primary first. An address or a list.
    public var ipv4: [IPv4Address]
    /// `ipv6`: IPv6 addresses, the primary first. An address or a list.
    public var ipv6: [IPv6Address]
    /// `public_ipv4`: the public IPv4 address; its public DNS name answers the private address
    /// inside the VPC (AWS-DNS-RULES 11.2).
    public var publicIPv4: IPv4Address?
    /// `hostname_type`: default `.ipName`, AWS's default outside IPv6-only subnets.
    public var hostnameType: HostnameType
    /// `resource_name_a`: AWS's `EnableResourceNameDnsARecord`. Default false.
    public var resourceNameA: Bool
    /// `resource_name_aaaa`: AWS's `EnableResourceNameDnsAAAARecord`. Default false.
    public var resourceNameAAAA: Bool
    public var origin: ConfigOrigin

    public static let defaultHostnameType = HostnameType.ipName

    public init(id: String, ipv4: [IPv4Address] = [], ipv6: [IPv6Address] = [], publicIPv4: IPv4Address? = nil,
                hostnameType: HostnameType = Self.defaultHostnameType, resourceNameA: Bool = false,
                resourceNameAAAA: Bool = false, origin: ConfigOrigin = ConfigOrigin()) {
        self.id = id
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.publicIPv4 = publicIPv4
        self.hostnameType = hostnameType
        self.resourceNameA = resourceNameA
        self.resourceNameAAAA = resourceNameAAAA
        self.origin = origin
    }
}
