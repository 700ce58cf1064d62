import Testing
@testable import VPCConfig

/// Parses `yaml` as `test.yaml` in `/etc/vpcdns`.
func parse(_ yaml: String, file: String = "test.yaml", base: String = "/etc/vpcdns") throws(ConfigErrors) -> VPCDNSConfig {
    try ConfigLoader.parse(yaml: yaml, file: file, baseDirectory: base)
}

/// The errors `yaml` is rejected with; records an issue (and returns []) if it is accepted.
func errors(of yaml: String, file: String = "test.yaml", sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [ConfigError] {
    do {
        let config = try parse(yaml, file: file)
        Issue.record("expected errors, but the config was accepted: \(config)", sourceLocation: sourceLocation)
        return []
    } catch {
        return error.errors
    }
}

/// A minimal valid VPC item, indented for `vpcs:`; lines 2-4 of a document that starts `vpcs:`.
let minimalVPC = """
  - id: vpc-0a1b2c3d4e5f60718
    region: ap-northeast-1
    cidrs: ["10.10.0.0/16"]
"""

/// One error case: a document, where its first error must be, and a fragment of its message.
struct ErrorCase: CustomTestStringConvertible, Sendable {
    var name: String
    var yaml: String
    var line: Int
    var column: Int
    var fragment: String

    init(_ name: String, _ line: Int, _ column: Int, _ fragment: String, _ yaml: String) {
        self.name = name
        self.yaml = yaml
        self.line = line
        self.column = column
        self.fragment = fragment
    }

    var testDescription: String { name }
}

/// Checks that `yaml` fails with exactly one error at `line:column` containing `fragment`.
func expectSingleError(_ testCase: ErrorCase, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    let found = errors(of: testCase.yaml, sourceLocation: sourceLocation)
    #expect(found.count == 1, "expected one error, got:\n\(ConfigErrors(found))", sourceLocation: sourceLocation)
    guard let error = found.first else { return }
    #expect(error.location == VPCConfig.SourceLocation(file: "test.yaml", line: testCase.line, column: testCase.column),
            "\(error)", sourceLocation: sourceLocation)
    #expect(error.message.contains(testCase.fragment), "message was: \(error.message)", sourceLocation: sourceLocation)
    #expect(error.description == "test.yaml:\(testCase.line):\(testCase.column): \(error.message)", sourceLocation: sourceLocation)
}
