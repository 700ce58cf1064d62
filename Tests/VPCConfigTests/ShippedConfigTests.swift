#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import IPAddress
import Testing
@testable import VPCConfig

/// The repository's `Config` folder, found from this file's path.
private let configFolder: String = {
    var path = #filePath
    for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
    return path + "/Config"
}()

@Test func embeddedDefaultParses() throws {
    let config = try ConfigLoader.parseEmbeddedDefault()
    #expect(config.listen == [SocketAddress("127.0.0.1:5353")!, SocketAddress("[::1]:5353")!])
    #expect(config.upstreams == [.resolvConf])
    #expect(config.allow == [CIDR("127.0.0.0/8")!, CIDR("::1/128")!])
    #expect(config.location.file == ConfigLoader.embeddedDefaultFileName)

    #expect(config.vpcs.count == 1)
    let vpc = try #require(config.vpcs.first)
    #expect(vpc.id == "vpc-0a1b2c3d4e5f60718")
    #expect(vpc.region == "ap-northeast-1")
    #expect(vpc.cidrs == [CIDR("10.10.0.0/16")!])
    #expect(vpc.enableDnsSupport && vpc.enableDnsHostnames)
    #expect(vpc.zones.isEmpty, "the embedded default must not need files")
    // Only the loopback listeners, which exist on every host: queries there see the example VPC.
    #expect(vpc.listen == config.listen, "the example VPC owns exactly the top-level loopback listeners")

    let services = ["ssm", "ssmmessages", "ec2messages", "kms", "logs", "sts"]
    #expect(vpc.endpoints.map(\.service) == services.map { "com.amazonaws.ap-northeast-1.\($0)" })
    for endpoint in vpc.endpoints {
        #expect(endpoint.type == .interface)
        #expect(endpoint.privateDns)
        #expect(endpoint.state == .available)
        #expect(endpoint.id.count == "vpce-".count + 17)
        #expect(endpoint.interfaces.map(\.az) == ["ap-northeast-1a", "ap-northeast-1c"])
        #expect(endpoint.interfaces.allSatisfy { $0.ipv4.map { vpc.cidrs[0].contains(.v4($0)) } ?? false })
        #expect(endpoint.interfaces[0].ipv4?.description.hasPrefix("10.10.1.") == true)
        #expect(endpoint.interfaces[1].ipv4?.description.hasPrefix("10.10.2.") == true)
    }
    #expect(Set(vpc.endpoints.map(\.id)).count == services.count, "endpoint ids are distinct")
    #expect(Set(vpc.endpoints.compactMap(\.dnsSuffix)).count == services.count, "DNS suffixes are distinct")
    let addresses = vpc.endpoints.flatMap { $0.interfaces.compactMap(\.ipv4) }
    #expect(Set(addresses).count == addresses.count, "interface addresses are distinct")
}

@Test func shippedConfigMatchesTheEmbeddedDefault() throws {
    let shipped = try ConfigLoader.load(path: configFolder + "/vpcdns.yaml")
    let embedded = try ConfigLoader.parseEmbeddedDefault()

    // The same server settings and the same VPC, endpoint for endpoint (equality ignores positions).
    #expect(shipped.listen == embedded.listen)
    #expect(shipped.upstreams == embedded.upstreams)
    #expect(shipped.allow == embedded.allow)
    #expect(shipped.vpcs.count == embedded.vpcs.count)
    for (file, builtIn) in zip(shipped.vpcs, embedded.vpcs) {
        #expect(file.id == builtIn.id)
        #expect(file.region == builtIn.region)
        #expect(file.cidrs == builtIn.cidrs)
        #expect(file.enableDnsSupport == builtIn.enableDnsSupport)
        #expect(file.enableDnsHostnames == builtIn.enableDnsHostnames)
        #expect(file.endpoints.count == builtIn.endpoints.count)
        for (fromFile, fromDefault) in zip(file.endpoints, builtIn.endpoints) {
            #expect(fromFile == fromDefault, "endpoint at \(fromFile.location) differs from \(fromDefault.location)")
        }
    }
    // Settings the shipped file spells out are the documented defaults.
    #expect(shipped.upstreamTimeoutMs == embedded.upstreamTimeoutMs)
    #expect(shipped.upstreamTries == embedded.upstreamTries)
    #expect(shipped.cache == embedded.cache)
    #expect(shipped.negativeSoaTTL == embedded.negativeSoaTTL)
    #expect(shipped.tcp == embedded.tcp)
    #expect(shipped.rateLimit == embedded.rateLimit)
}

@Test func shippedConfigNamesItsExampleZoneAndRules() throws {
    let shipped = try ConfigLoader.load(path: configFolder + "/vpcdns.yaml")
    let vpc = try #require(shipped.vpcs.first)
    #expect(vpc.zones.map(\.path) == ["zones/corp.example.internal.zone"])
    let zone = try #require(vpc.zones.first)
    #expect(zone.resolvedPath == Paths.normalize(configFolder + "/zones/corp.example.internal.zone"))
    #expect(access(zone.resolvedPath, R_OK) == 0, "the example zone file exists")
    #expect(vpc.rules.map(\.type) == [.forward, .system])
    #expect(vpc.rules.first?.targets.isEmpty == false)
}
