import DNSCache
import DNSWire
import IPAddress
@testable import Resolver
import Testing
import VPCConfig
import VPCModel

#if canImport(Glibc)
import Glibc
#endif

/// The precompiled local answers against the model they were compiled from: for every name and
/// type of the config, in every view, with and without EDNS, in the client's own case, the reply
/// the engine sends must be byte for byte the one `decide` plus `ResponseBuilder` give (one of
/// them for rotating answers), before and after a reload.
@Suite struct PrecompiledAnswerTests {
    static let config = """
    upstreams: ["127.0.0.1:9"]
    allow: ["127.0.0.0/8"]
    vpcs:
      - id: vpc-0a1b2c3d4e5f60718
        region: us-east-1
        cidrs: ["10.10.0.0/16", "fd00:10:10::/48"]
        enable_dns_hostnames: true
        endpoints:
          - id: vpce-0123456789abcdef0
            service: com.amazonaws.us-east-1.ssm
            dns_suffix: abcdefgh
            private_dns: true
            interfaces:
              - { az: us-east-1a, ipv4: 10.10.1.10 }
              - { az: us-east-1b, ipv4: 10.10.2.10 }
          - id: vpce-0123456789abcdef1
            service: com.amazonaws.us-east-1.ecr.dkr
            dns_suffix: bluzidnv
            private_dns: true
            ip_type: dualstack
            interfaces:
              - { az: us-east-1a, ipv4: 10.10.1.11, ipv6: "fd00:10:10:1::11" }
              - { az: us-east-1b, ipv4: 10.10.2.11, ipv6: "fd00:10:10:2::11" }
          - id: vpce-0123456789abcdef4
            service: com.amazonaws.us-east-1.s3
            dns_suffix: q634a777
            interfaces:
              - { az: us-east-1a, ipv4: 10.10.1.14 }
          - id: vpce-0123456789abcdef5
            service: com.amazonaws.us-east-1.sts
            dns_suffix: zzzzzzzz
            private_dns: false
            ip_type: service-defined
            interfaces:
              - { az: us-east-1a, ipv4: 10.10.1.15, ipv6: "fd00:10:10:1::15" }
        zones: [corp.example.internal.zone, amazonaws.com.zone, plain.example.zone]
        rules:
          - { domain: forwarded.example.com, type: forward, targets: ["127.0.0.1:9"] }
          - { domain: kms.us-east-1.amazonaws.com, type: forward, targets: ["127.0.0.1:9"] }
          - { domain: corp.example.internal, type: system }
      - id: vpc-0b1b2c3d4e5f60719
        region: us-east-1
        cidrs: ["10.20.0.0/16"]
        enable_dns_hostnames: true
        zones: [plain.example.zone]
      - id: vpc-0c1b2c3d4e5f6071a
        region: us-east-1
        cidrs: ["10.30.0.0/16"]
        enable_dns_support: false
    """

    static let zones = [
        "corp.example.internal.zone": """
        $TTL 300
        @ IN SOA ns1 hostmaster 1 7200 900 1209600 86400
          IN NS ns1
        ns1 IN A 10.10.0.53
        www IN CNAME web
        web IN A 10.10.5.5
        out IN CNAME ssm.us-east-1.amazonaws.com.
        ext IN CNAME www.example.org.
        *.apps IN A 10.10.6.6
        a.b.deep IN A 10.10.7.7
        sub IN NS ns.sub
        ns.sub IN A 10.10.8.8
        """,
        "amazonaws.com.zone": """
        $TTL 300
        @ IN SOA ns1.corp.example.internal. hostmaster.corp.example.internal. 1 7200 900 1209600 86400
          IN NS ns1.corp.example.internal.
        custom IN A 10.10.9.9
        """,
        "plain.example.zone": """
        $TTL 300
        $ORIGIN plain.example.
        @ IN SOA ns1 hostmaster.plain.example. 1 7200 900 1209600 600
          IN NS ns1
        ns1 IN A 10.10.0.54
        Web IN A 10.10.5.6
            IN A 10.10.5.7
            IN TXT "hello"
            IN MX 10 mail
        mail IN AAAA fd00::25
        alias IN CNAME web
        x.y.z IN A 10.10.5.8
        """,
    ]

    static let clients = ["10.10.0.5", "10.20.0.5", "10.30.0.5", "127.0.0.1"]
    static let types: [RRType] = [.a, .aaaa, .txt, .mx, .ns, .soa, .cname, .any, .ptr, RRType(99)]

    static func model(_ yaml: String, zones: [String: String]) throws -> ResolutionModel {
        try load(yaml, zones: zones).model
    }

    static func load(_ yaml: String, zones: [String: String]) throws -> (config: VPCDNSConfig, model: ResolutionModel) {
        var template = Array("/tmp/vpcdns-precompiled-XXXXXX".utf8CString)
        let folder = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        for (name, text) in zones {
            let file = fopen("\(folder)/\(name)", "w")!
            fputs(text, file)
            fclose(file)
        }
        let config = try ConfigLoader.parse(yaml: yaml, file: "\(folder)/vpcdns.yaml", baseDirectory: folder)
        return (config, try ResolutionModel(config: config, zoneRoot: folder))
    }

    static func state(_ loaded: (config: VPCDNSConfig, model: ResolutionModel)) throws -> ServingState {
        ServingState(config: loaded.config, model: loaded.model,
                     upstreams: try UpstreamPool(sets: loaded.model.upstreamSets, timeout: .milliseconds(100), tries: 1))
    }

    /// Every name the config mentions, and names below each zone apex and endpoint name that do not exist.
    static func names(_ model: ResolutionModel) throws -> [DNSName] {
        var names: Set<DNSName> = []
        for view in model.views + [model.defaultView] {
            for served in view.zones {
                names.formUnion(served.zone.names)
                names.insert(try served.zone.origin.prepending(label: Array("nx0".utf8)))
                names.insert(try served.zone.origin.prepending(label: Array("nope".utf8)).prepending(label: Array("deeper".utf8)))
            }
            names.formUnion(view.authorityNames)
            names.formUnion(view.autodefinedRecords.map(\.name))
            for apex in view.autodefinedZones { names.insert(try apex.prepending(label: Array("nx0".utf8))) }
        }
        for record in model.endpointRecords {
            let name = record.name.isWildcard ? try record.name.parent!.prepending(label: Array("bucket".utf8)) : record.name
            names.insert(name)
            names.insert(try name.prepending(label: Array("below".utf8)))
        }
        names.insert("www.example.org.")
        return names.sorted()
    }

    /// The name with every other letter in upper case, as a client using DNS 0x20 sends it.
    static func mixedCase(_ name: DNSName) -> DNSName {
        var flip = false
        return try! DNSName(labels: name.labels.map { label in
            label.map { byte -> UInt8 in
                flip.toggle()
                return flip && byte >= 97 && byte <= 122 ? byte - 32 : byte
            }
        })
    }

    func query(_ name: DNSName, _ type: RRType, edns: EDNS?) -> [UInt8] {
        var header = Header(id: 0x5a5a)
        header.recursionDesired = true
        header.checkingDisabled = edns?.dnssecOK ?? false
        return try! Message(header: header, questions: [Question(name: name, type: type)], edns: edns).encode()
    }

    /// Compares every local answer of `state` with the model's; returns how many the table answered.
    func compareAll(_ state: ServingState) throws -> (compared: Int, precompiled: Int) {
        let engine = QueryEngine(state: state, cache: DNSCache())
        defer { state.upstreams.shutdown() }
        let model = state.model
        var compared = 0, precompiled = 0
        for name in try Self.names(model) {
            for type in Self.types {
                for client in Self.clients {
                    let address = try #require(IPAddress(client))
                    let view = PrecompiledAnswers.viewIndex(model.viewIndex(client: address, local: nil), in: model)
                    let folded = name.lowercased().wire
                    let found = folded.withUnsafeBufferPointer {
                        state.precompiled.find($0.baseAddress!, length: folded.count, type: type, view: view)
                    }
                    let decision = model.decide(Question(name: name, type: type), client: address, local: nil)
                    guard case .answer = decision else {
                        // Anything but a local answer must never come from the table.
                        switch found {
                        case .answer, .nxDomain: Issue.record("\(name) \(type) from \(client): table answers, model says \(decision)")
                        case .notLocal, .unknown: break
                        }
                        continue
                    }
                    if case .answer = found { precompiled += 1 }
                    if case .nxDomain = found { precompiled += 1 }
                    for spelling in [name, Self.mixedCase(name)] {
                        for edns in [nil, EDNS(udpPayloadSize: 1232, dnssecOK: true), EDNS(udpPayloadSize: 4096)] as [EDNS?] {
                            let bytes = query(spelling, type, edns: edns)
                            guard case .accepted(let request) = RequestAdmission.admit(bytes.withUnsafeBytes { $0 }, overTCP: false)
                            else { Issue.record("not admitted"); continue }
                            // Every rotation the model can give, against every reply the engine sends.
                            // (Separate loops: the model's rotation counter also turns for the
                            // engine's slow path.)
                            var slow: Set<[UInt8]> = [], fast: Set<[UInt8]> = []
                            for _ in 0..<12 {
                                guard case .answer(let answer) = model.decide(request.question, client: address, local: nil) else { continue }
                                slow.insert(ResponseBuilder.response(to: request, rcode: answer.rcode, answers: answer.answers,
                                                                     authorities: answer.authorities))
                            }
                            for _ in 0..<12 {
                                let sink = CapturingSink()
                                bytes.withUnsafeBytes {
                                    engine.handle($0, client: SocketAddress(ip: address, port: 5000), local: nil, overTCP: false, sink: sink)
                                }
                                fast.formUnion(sink.responses.withLock { $0 })
                            }
                            #expect(fast == slow, "\(spelling) \(type) from \(client) EDNS \(String(describing: edns))")
                            compared += 1
                        }
                    }
                }
            }
        }
        return (compared, precompiled)
    }

    @Test func precompiledAnswersEqualTheModelsForEveryNameAndType() throws {
        let state = try Self.state(try Self.load(Self.config, zones: Self.zones))
        let result = try compareAll(state)
        #expect(result.compared > 500)
        #expect(result.precompiled > 100, "the table answered only \(result.precompiled) questions")
    }

    @Test func afterAReloadTheNewConfigsAnswersAreServed() throws {
        let engine = QueryEngine(state: try Self.state(try Self.load(Self.config, zones: Self.zones)), cache: DNSCache())
        var zones = Self.zones
        zones["plain.example.zone"] = zones["plain.example.zone"]!.replacingOccurrences(of: "10.10.5.6", with: "10.99.5.6")
            + "\nadded IN A 10.99.0.1\n"
        let reloaded = try Self.state(try Self.load(Self.config.replacingOccurrences(of: "10.10.1.10", with: "10.10.1.99"), zones: zones))
        engine.install(reloaded).upstreams.shutdown()
        let sink = CapturingSink()
        query("added.plain.example.", .a, edns: nil).withUnsafeBytes {
            engine.handle($0, client: SocketAddress("10.20.0.5:5000")!, local: nil, overTCP: false, sink: sink)
        }
        #expect(sink.messages.first?.answers.map(\.rdata) == [.a(IPv4Address("10.99.0.1")!)])
        let result = try compareAll(reloaded)
        #expect(result.compared > 500 && result.precompiled > 100)
    }

    /// The probe table holds its keys inline; at 16 bytes a slot it costs what the old index of
    /// 4-byte slots beside 24-byte entries did.
    @Test func probeTableSlotsStaySmall() {
        #expect(MemoryLayout<PrecompiledAnswers.Entry>.stride == 16)
        #expect(MemoryLayout<PrecompiledAnswers.Layout>.stride <= 32)
    }

    @Test func aViewThatOptsOutIsAnsweredByTheModel() throws {
        let model = try Self.model(Self.config, zones: Self.zones)
        let table = PrecompiledAnswers(model: model, serves: { $0.name != "vpc-0a1b2c3d4e5f60718" })
        #expect(!table.serves(view: 0) && table.serves(view: 1))
        let folded = DNSName("web.plain.example.").wire
        let found = folded.withUnsafeBufferPointer { table.find($0.baseAddress!, length: folded.count, type: .a, view: 1) }
        guard case .answer = found else { Issue.record("view 1 should be precompiled: \(found)"); return }
    }
}
