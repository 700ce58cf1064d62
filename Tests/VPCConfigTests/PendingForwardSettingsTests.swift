import Testing
@testable import VPCConfig

@Suite struct PendingForwardSettingsTests {
    @Test func defaultsAndValues() throws {
        #expect(try parse("listen: []").maxPendingForwards == PendingForwardSettings(perUpstreamSet: 1024, total: 4096))
        let config = try parse("""
        max_pending_forwards:
          per_upstream_set: 10
          total: 20
        """)
        #expect(config.maxPendingForwards.perUpstreamSet == 10)
        #expect(config.maxPendingForwards.total == 20)
    }

    @Test func outOfRangeAndUnknownKeysNameTheirLine() {
        let problems = errors(of: """
        max_pending_forwards:
          per_upstream_set: 0
          totl: 5
        """).map(\.description)
        #expect(problems.contains { $0.contains("test.yaml:2:") && $0.contains("per_upstream_set") })
        #expect(problems.contains { $0.contains("test.yaml:3:") && $0.contains("did you mean total?") })
    }
}
