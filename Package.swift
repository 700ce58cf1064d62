// swift-tools-version:6.0
import PackageDescription

/// vpcdns: a split-horizon DNS resolver that answers like the AWS VPC resolver.
/// Lower targets never import higher ones; see docs/architecture.md. Every target names each
/// module it imports: `make build` and `make test` check it (explicit-target-dependency-import-check).
let package = Package(
    name: "vpcdns",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vpcdns", targets: ["vpcdns"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.3.0"),
    ],
    targets: [
        .target(name: "Platform"),
        .target(name: "IPAddress"),
        .target(name: "DNSWire", dependencies: ["IPAddress", "Platform"]),
        .target(name: "RegularFiles", dependencies: ["Platform"]),
        .target(name: "DNSZone", dependencies: ["DNSWire", "RegularFiles"]),
        .target(name: "VPCConfig", dependencies: ["IPAddress", "RegularFiles", "Yams"]),
        .target(name: "VPCModel", dependencies: ["DNSWire", "DNSZone", "VPCConfig", "IPAddress", "Platform"]),
        .target(name: "DNSCache", dependencies: ["DNSWire", "Platform"]),
        .systemLibrary(name: "CCAres", pkgConfig: "libcares", providers: [.apt(["libc-ares-dev"])]),
        .target(name: "DNSUpstream", dependencies: ["CCAres", "IPAddress", "RegularFiles", "Platform"]),
        .target(name: "Transport", dependencies: ["IPAddress", "Platform"]),
        .target(name: "Resolver", dependencies: ["DNSWire", "DNSZone", "VPCConfig", "VPCModel", "DNSCache", "DNSUpstream", "IPAddress", "Platform"]),
        .target(name: "SystemdSupport", dependencies: ["Platform"]),
        .target(name: "AWSImport", dependencies: ["IPAddress", "Yams"]),
        .target(name: "Telemetry", dependencies: [
            "Resolver", "VPCModel", "DNSWire", "Platform",
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Atomics", package: "swift-atomics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .target(name: "Control", dependencies: ["IPAddress", "Platform"]),
        .target(name: "Explain", dependencies: ["DNSWire", "DNSZone", "VPCModel", "VPCConfig", "Resolver", "IPAddress"]),
        .target(name: "Verify", dependencies: ["DNSWire", "IPAddress", "VPCModel", "Yams"]),
        .target(name: "Daemon", dependencies: [
            "Resolver", "Transport", "VPCConfig", "VPCModel", "SystemdSupport", "DNSUpstream", "DNSCache", "DNSWire", "IPAddress",
            "Telemetry", "Control", "Explain", "Platform",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "vpcdns", dependencies: [
            "Daemon", "AWSImport", "Control", "Explain", "Verify", "VPCConfig", "Platform",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .testTarget(name: "PlatformTests", dependencies: ["Platform"]),
        .testTarget(name: "IPAddressTests", dependencies: ["IPAddress"]),
        .testTarget(name: "DNSWireTests", dependencies: ["DNSWire"], exclude: ["Fixtures"]),
        .testTarget(name: "DNSZoneTests", dependencies: ["DNSZone", "DNSWire"], exclude: ["Fixtures"]),
        .testTarget(name: "VPCConfigTests", dependencies: ["VPCConfig", "IPAddress"]),
        .testTarget(name: "VPCModelTests", dependencies: ["VPCModel", "VPCConfig", "DNSZone", "DNSWire", "IPAddress"]),
        .testTarget(name: "DNSCacheTests", dependencies: ["DNSCache", "DNSWire", "Platform"]),
        .testTarget(name: "DNSUpstreamTests", dependencies: ["DNSUpstream", "IPAddress"]),
        .testTarget(name: "TransportTests", dependencies: ["Transport", "IPAddress"]),
        .testTarget(name: "ResolverTests", dependencies: ["Resolver", "VPCModel", "VPCConfig", "DNSWire", "DNSCache", "IPAddress", "Platform"]),
        .testTarget(name: "SystemdSupportTests", dependencies: ["SystemdSupport", "Platform"]),
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "IPAddress", "Transport", "VPCConfig", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "OperationsTests", dependencies: [
            "Telemetry", "Control", "Explain", "Verify", "Resolver", "VPCModel", "VPCConfig", "DNSWire", "IPAddress",
        ]),
        .testTarget(name: "AWSImportTests", dependencies: ["AWSImport", "VPCConfig", "VPCModel", "DNSWire", "IPAddress"], exclude: ["Fixtures"]),
    ]
)
