import DNSWire
import IPAddress
import VPCConfig

extension ModelBuilder {
    /// Checks a VPC's instances as EC2 would and collects the EC2 names and PTRs of its
    /// instances and endpoint network interfaces (interface and Gateway Load Balancer
    /// endpoints; AWS-DNS-RULES 11.2). Names resolve only when both DNS attributes are true,
    /// as on AWS.
    mutating func instanceNames(for vpc: VPCDefinition) -> InstanceNames {
        var names = InstanceNames.loopback
        var holders: [IPAddress: String] = [:]
        for endpoint in vpc.endpoints where endpoint.type != .gateway {
            for interface in endpoint.interfaces {
                for address in [interface.ipv4.map(IPAddress.v4), interface.ipv6.map(IPAddress.v6)].compactMap({ $0 }) {
                    holders[address] = holders[address] ?? endpoint.id
                }
            }
        }
        for instance in vpc.instances {
            if instance.ipv4.isEmpty, instance.hostnameType == .ipName {
                fail(instance.location(of: "hostname_type"),
                     "InvalidParameterCombination: an instance without an IPv4 address needs hostname_type resource-name")
            }
            let addresses = instance.ipv4.map(IPAddress.v4) + instance.ipv6.map(IPAddress.v6)
            for address in addresses {
                let key = address.isIPv4 ? "ipv4" : "ipv6"
                if !vpc.cidrs.contains(where: { $0.contains(address) }) {
                    fail(instance.location(of: key), "InvalidParameter: \(address) is not within the CIDR blocks of \(vpc.id) (\(vpc.cidrs.map(\.description).joined(separator: ", ")))")
                } else if let holder = holders[address] {
                    fail(instance.location(of: key), "InvalidIPAddress.InUse: Address \(address) is in use (by \(holder))")
                }
                holders[address] = instance.id
            }
        }
        guard vpc.enableDnsSupport && vpc.enableDnsHostnames else { return names }
        let ec2 = EC2Names(region: vpc.region)
        names.ec2 = ec2
        if vpc.synthesizeIPNames {
            names.synthesizedBlocks = vpc.cidrs.filter(\.network.isIPv4)
        }
        for instance in vpc.instances {
            let resourceName = ec2.resourceName(instance.id)
            for (index, address) in instance.ipv4.enumerated() {
                names.add(ec2.ipName(address), .a(address))
                let isHostname = index == 0 && instance.hostnameType == .resourceName
                names.add(ReverseNames.name(.v4(address)), .ptr(isHostname ? resourceName : ec2.ipName(address)))
            }
            if instance.resourceNameA, let primary = instance.ipv4.first {
                names.add(resourceName, .a(primary))
            }
            if instance.resourceNameAAAA, let primary = instance.ipv6.first {
                names.add(resourceName, .aaaa(primary))
                for address in instance.ipv6 {
                    names.add(ReverseNames.name(.v6(address)), .ptr(resourceName))
                }
            }
            if let publicAddress = instance.publicIPv4, let primary = instance.ipv4.first {
                names.add(ec2.publicName(publicAddress), .a(primary))
            }
        }
        for endpoint in vpc.endpoints where endpoint.type != .gateway && endpoint.state == .available {
            for address in endpoint.interfaces.compactMap(\.ipv4) {
                names.add(ec2.ipName(address), .a(address))
                names.add(ReverseNames.name(.v4(address)), .ptr(ec2.ipName(address)))
            }
        }
        return names
    }
}
