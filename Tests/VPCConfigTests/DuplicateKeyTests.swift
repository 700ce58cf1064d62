import Testing
@testable import VPCConfig

/// Duplicate keys are all found in one pass over the text (composing once), so a config with
/// thousands of them is refused as fast as any other; each is reported at its repeat.
@Suite struct DuplicateKeyTests {
    private func errors(_ yaml: String) -> [ConfigError] {
        do {
            _ = try ConfigLoader.parse(yaml: yaml, file: "test.yaml", baseDirectory: "/tmp")
            return []
        } catch {
            return error.errors
        }
    }

    /// 3,000 VPCs each writing `region` twice (about 1 MB): composing again per duplicate, as
    /// the loader once did, took minutes here; now every duplicate is reported (up to the
    /// reader's error limit) and none is missed.
    @Test func thousandsOfDuplicatesAreEachReportedAtTheirRepeat() {
        var lines = ["listen: [\"127.0.0.1:5399\"]", "upstreams: [\"127.0.0.1:9\"]", "vpcs:"]
        for index in 0..<3000 {
            lines += ["  - id: vpc-\(String(index, radix: 16).leftPadded(to: 17))", "    region: us-east-1", "    region: us-east-1",
                      "    cidrs: [\"10.\(index / 256).\(index % 256).0/24\"]", "    # " + String(repeating: "x", count: 200)]
        }
        let found = errors(lines.joined(separator: "\n") + "\n")
        #expect(found.count == NodeReader.maxErrors + 1)
        for (number, error) in found.dropLast().enumerated() {
            #expect(error.location.line == 6 + 5 * number && error.location.column == 5)
            #expect(error.message == "duplicate key 'region' in vpc (first written at \(5 + 5 * number):5)")
        }
        #expect(found.last?.message == "too many errors; stopped reporting here")
    }

    @Test func aKeyWrittenThreeTimesIsReportedTwice() {
        let found = errors("upstream_tries: 1\nupstream_tries: 2\nlisten: []\nupstream_tries: 3\n")
        #expect(found.map(\.description) == [
            "test.yaml:2:1: duplicate key 'upstream_tries' in top level (first written at 1:1)",
            "test.yaml:4:1: duplicate key 'upstream_tries' in top level (first written at 1:1)",
        ])
    }

    @Test func theScanFindsEveryEarlierOccurrenceInEachMapping() {
        let found = DuplicateKeyScan.earlierOccurrences(in: """
        a: 1
        b: { c: 1, "c": 2, d: [ {e: 1, e: 2} ] }
        a: 2
        a: 3
        f: !!str x
        *alias: 1
        """)
        #expect(found.map(\.position) == [Position(line: 2, column: 6), Position(line: 2, column: 26),
                                           Position(line: 1, column: 1), Position(line: 3, column: 1)])
        #expect(found.map(\.name) == ["c", "e", "a", "a"])
    }

    @Test func keyRenamingInOnePassKeepsEveryOtherPosition() {
        let text = "a: 1\r\nb: 2\n  \"c\": 3\n*x: 4\n"
        let positions = [Position(line: 3, column: 3), Position(line: 4, column: 1), Position(line: 2, column: 1)]
        let result = ConfigLoader.renameKeys(in: text, at: positions, firstMarker: 6399)
        #expect(result.text == "a: 1\r\n\u{F8FF}: 2\n  \"\u{F0000}\": 3\n*x: 4\n")
        #expect(result.renamed == [Position(line: 2, column: 1), Position(line: 3, column: 3)])
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
