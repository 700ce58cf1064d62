@testable import Daemon
import Testing
import Transport
import VPCConfig

/// Every `tcp:` key reaches the listeners: the options the daemon binds with, and hands every
/// listener on reload, come from the config, not from the transport's defaults.
@Suite struct TransportOptionsTests {
    @Test func everyTCPKeyIsPassedOn() throws {
        let yaml = """
        upstreams: ["127.0.0.1:9"]
        tcp: { idle_timeout_ms: 2500, max_connections: 33, max_connections_per_client: 5, max_queries_in_flight_per_client: 17 }
        """
        let options = Daemon.transportOptions(try ConfigLoader.parse(yaml: yaml, file: "test.yaml", baseDirectory: "/tmp"))
        #expect(options.tcpIdleTimeout == .milliseconds(2500))
        #expect(options.maxTCPConnections == 33)
        #expect(options.maxTCPConnectionsPerClient == 5)
        #expect(options.maxTCPQueriesInFlightPerClient == 17)
    }
}
