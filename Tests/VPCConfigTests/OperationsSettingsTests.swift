import IPAddress
import Testing
@testable import VPCConfig

@Suite("metrics, control and explain settings")
struct OperationsSettingsTests {
    @Test func absentMeansOff() throws {
        let config = try parse("listen: [\"127.0.0.1:53\"]\n")
        #expect(config.metrics == nil && config.control == nil && config.explain == nil)
    }

    @Test func readsAllThree() throws {
        let config = try parse("""
            metrics: { listen: "127.0.0.1:9153" }
            control: { socket: run/control.sock, group: vpcdns-ctl }
            explain: { allow: ["127.0.0.1/32", "::1/128"] }
            """)
        #expect(config.metrics?.listen == SocketAddress("127.0.0.1:9153"))
        #expect(config.control?.socket == "/etc/vpcdns/run/control.sock")
        #expect(config.control?.group == "vpcdns-ctl")
        #expect(config.explain?.allow == [CIDR("127.0.0.1/32")!, CIDR("::1/128")!])
    }

    @Test func errorsNameLineAndColumn() {
        let found = errors(of: """
            metrics: { listen: "not an address" }
            control: { group: wheel }
            explain: { allow: ["10.0.0.1/8"], deny: [] }
            """)
        let texts = found.map(\.description)
        #expect(texts.contains { $0.hasPrefix("test.yaml:1:20: ") && $0.contains("listen: 'not an address' is not a valid address") }, "\(texts)")
        #expect(texts.contains { $0.hasPrefix("test.yaml:2:") && $0.contains("socket") }, "\(texts)")
        #expect(texts.contains { $0.hasPrefix("test.yaml:3:") && $0.contains("deny") }, "\(texts)")
        #expect(texts.contains { $0.contains("host bits set") }, "\(texts)")
    }
}
