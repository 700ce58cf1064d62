import AWSImport
import DNSWire
import IPAddress
import Testing
import VPCConfig
import VPCModel

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ImportTests {
    static let folder = #filePath.split(separator: "/").dropLast().joined(separator: "/")

    static func fixture(_ name: String) throws -> (String, String) {
        let path = "/\(folder)/Fixtures/\(name)"
        guard let file = fopen(path, "r") else { throw ImportError(file: path, message: "missing fixture") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count == 0 { break }
            bytes += buffer[0..<count]
        }
        return (path, String(decoding: bytes, as: UTF8.self))
    }

    static func imported(_ names: [String]) throws -> String {
        var importer = ConfigImporter()
        for name in names {
            let (path, text) = try fixture(name)
            try importer.add(file: path, text: text)
        }
        return try importer.yaml()
    }

    static let all = ["describe-vpc-endpoints.json", "describe-network-interfaces.json", "describe-vpcs.json", "describe-vpc-attribute-support.json"]

    /// The imported section loads through the real config loader and model, and answers as the
    /// VPC it came from would.
    @Test func importedConfigAnswersLikeTheVPC() throws {
        let yaml = "upstreams: [\"127.0.0.1:9\"]\n" + (try Self.imported(Self.all))
        let config = try ConfigLoader.parse(yaml: yaml, file: "imported.yaml", baseDirectory: "/tmp")
        let model = try ResolutionModel(config: config, zoneRoot: "/tmp")
        func answers(_ name: String, _ type: RRType, from client: String) -> [String] {
            guard case .answer(let answer) = model.decide(Question(name: try! DNSName(name), type: type), client: IPAddress(client)!, local: nil)
            else { return ["not answered locally"] }
            return answer.answers.map { $0.rdata.description }.sorted()
        }
        #expect(answers("ssm.us-east-1.amazonaws.com", .a, from: "10.0.3.3") == ["10.0.1.20", "10.0.2.20"])
        #expect(answers("ssm.us-east-1.amazonaws.com", .aaaa, from: "10.0.3.3") == ["2600:1f18:aaa:1::20", "2600:1f18:aaa:2::20"])
        #expect(answers("vpce-0f89a33420c1931d7-bluzidnv.elasticloadbalancing.us-east-1.vpce.amazonaws.com", .a, from: "10.0.3.3")
                == ["10.0.1.17", "10.0.2.17"])
        #expect(answers("vpce-0f89a33420c1931d7-bluzidnv-us-east-1b.elasticloadbalancing.us-east-1.vpce.amazonaws.com", .a, from: "10.0.3.3")
                == ["10.0.2.17"])
        // Private DNS off for ELB: its default name is left to the upstream.
        #expect(answers("elasticloadbalancing.us-east-1.amazonaws.com", .a, from: "10.0.3.3") == ["not answered locally"])
    }

    @Test func gatewayEndpointsHaveNoDNSFields() throws {
        let yaml = try Self.imported(Self.all)
        let gateway = try #require(yaml.split(separator: "      - id: ").last)
        #expect(gateway.hasPrefix("vpce-032a826a"))
        #expect(gateway.contains("type: gateway"))
        #expect(!gateway.contains("dns_suffix") && !gateway.contains("interfaces"))
    }

    @Test func missingDocumentsAreNamed() throws {
        #expect(throws: ImportError.self) { try Self.imported(["describe-vpc-endpoints.json", "describe-vpcs.json"]) }
        do {
            _ = try Self.imported(["describe-vpc-endpoints.json", "describe-network-interfaces.json"])
            Issue.record("expected an error")
        } catch {
            #expect(String(describing: error).contains("no CIDR blocks for vpc-1a2b3c4d"))
        }
    }

    @Test func unknownDocumentsAndBadJSONAreRefused() {
        var importer = ConfigImporter()
        #expect(throws: ImportError.self) { try importer.add(file: "x.json", text: "{\"SecurityGroups\": []}") }
        #expect(throws: ImportError.self) { try importer.add(file: "y.json", text: "{not json") }
        #expect(throws: ImportError.self) { try importer.add(file: "z.json", text: "[1, 2]") }
    }
}
