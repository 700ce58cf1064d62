import Testing
@testable import VPCConfig

@Suite struct UpstreamCaseRandomizationTests {
    @Test func onByDefaultAndSwitchable() throws {
        #expect(try parse("listen: []").upstreamCaseRandomization == true)
        #expect(try parse("upstream_case_randomization: false").upstreamCaseRandomization == false)
        #expect(try parse("upstream_case_randomization: true").upstreamCaseRandomization == true)
    }

    @Test func aValueThatIsNotABooleanNamesItsLine() {
        let problems = errors(of: """
        upstream_timeout_ms: 2000
        upstream_case_randomization: "no"
        """).map(\.description)
        #expect(problems.contains { $0.contains("test.yaml:2:") && $0.contains("upstream_case_randomization: expected true or false") },
                "\(problems)")
    }

    @Test func aMisspelledKeyIsNamed() {
        let problems = errors(of: "upstream_case_randomisation: false").map(\.description)
        #expect(problems.contains { $0.contains("test.yaml:1:") && $0.contains("did you mean upstream_case_randomization?") },
                "\(problems)")
    }
}
