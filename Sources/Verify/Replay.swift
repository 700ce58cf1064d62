import DNSWire
import IPAddress
import VPCModel

/// What one replayed question got.
public enum Outcome: Sendable {
    case response(RCode, answers: [String])
    /// No response at all (a timeout).
    case noResponse
    /// The answer cannot be known this way (offline, a forwarded question): why.
    case notChecked(String)
}

/// Asks a question the way a recorded one was asked.
public protocol Replayer {
    func ask(_ expectation: Expectation) -> Outcome
}

/// Offline: the model's own decision. Forwarded questions are not checked (no upstream is asked).
public struct ModelReplayer: Replayer {
    public let model: ResolutionModel

    public init(model: ResolutionModel) { self.model = model }

    public func ask(_ expectation: Expectation) -> Outcome {
        switch model.decide(expectation.question, client: expectation.from, local: expectation.via) {
        case .answer(let answer):
            return .response(answer.rcode, answers: answer.answers.map(Self.normalized))
        case .refuse:
            return .response(.refused, answers: [])
        case .drop:
            return .noResponse
        case .forward(let upstream, let name, _, let reason):
            return .notChecked("forwarded (\(reason)) to upstream set \(upstream) as \(name): offline, no upstream is asked")
        }
    }

    static func normalized(_ record: ResourceRecord) -> String {
        Expectation.normalized(type: record.type.description, rdata: record.rdata.description)
    }
}

/// The result of replaying a set of expectations.
public struct VerifyReport: Sendable {
    public var checked = 0
    public var failures: [String] = []
    public var notChecked: [String] = []

    public var passed: Bool { failures.isEmpty }

    public var summary: String {
        "\(checked) checked, \(checked - failures.count) passed, \(failures.count) failed"
            + (notChecked.isEmpty ? "" : ", \(notChecked.count) not checked")
    }

    /// Replays every expectation and collects a readable diff for each difference.
    public static func run(_ expectations: [Expectation], with replayer: some Replayer) -> VerifyReport {
        var report = VerifyReport()
        for expectation in expectations {
            let title = "\(expectation.origin): \(expectation.question.name) \(expectation.question.type) from \(expectation.from)"
                + (expectation.via.map { " via \($0)" } ?? "")
            switch replayer.ask(expectation) {
            case .notChecked(let why):
                report.notChecked.append("\(title): not checked: \(why)")
            case .noResponse:
                report.checked += 1
                report.failures.append("\(title)\n  expected \(expectation.rcode), got no response")
            case .response(let rcode, let answers):
                report.checked += 1
                if let diff = difference(expectation, rcode: rcode, answers: answers) { report.failures.append("\(title)\n\(diff)") }
            }
        }
        return report
    }

    /// Nil when equal; else lines: the RCODE change, `-` for expected records missing, `+` for
    /// records got that were not expected.
    static func difference(_ expectation: Expectation, rcode: RCode, answers: [String]) -> String? {
        var lines: [String] = []
        if rcode != expectation.rcode { lines.append("  rcode: expected \(expectation.rcode), got \(rcode)") }
        var unexpected = answers
        var missing: [String] = []
        for record in expectation.answers {
            if let index = unexpected.firstIndex(of: record) { unexpected.remove(at: index) } else { missing.append(record) }
        }
        lines += missing.sorted().map { "  - \($0)" }
        lines += unexpected.sorted().map { "  + \($0)" }
        return lines.isEmpty ? nil : lines.joined(separator: "\n")
    }
}
