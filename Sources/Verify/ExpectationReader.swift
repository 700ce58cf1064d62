import DNSWire
import Foundation
import IPAddress
import Yams

/// Reads expectation files: Route 53 Resolver query logs (JSON lines, AWS-DNS-RULES 8; vpcdns's
/// own query log is one) and hand-written YAML or JSON lists of cases.
public enum ExpectationReader {
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads `path`, telling the formats apart by the first non-blank character: `{` starts a
    /// query log line, anything else is a YAML (or JSON) document.
    public static func read(path: String) throws(Invalid) -> [Expectation] {
        guard let data = FileManager.default.contents(atPath: path) else { throw Invalid(description: "\(path): cannot read the file") }
        let text = String(decoding: data, as: UTF8.self)
        if text.drop(while: \.isWhitespace).first == "{" { return try queryLog(text, file: path) }
        return try cases(text, file: path)
    }

    /// One expectation per query log record; records without a question (refused at the door)
    /// are skipped.
    public static func queryLog(_ text: String, file: String) throws(Invalid) -> [Expectation] {
        var result: [Expectation] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let origin = "\(file):\(index + 1)"
            guard !line.allSatisfy(\.isWhitespace) else { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw Invalid(description: "\(origin): not a JSON object")
            }
            func field(_ key: String) throws(Invalid) -> String {
                guard let value = object[key] as? String else { throw Invalid(description: "\(origin): no \(key) string") }
                return value
            }
            let typeText = try field("query_type")
            if typeText.isEmpty { continue }
            if let queryClass = object["query_class"] as? String, queryClass != "IN" { continue }
            guard let type = RRType(mnemonic: typeText) else { throw Invalid(description: "\(origin): query_type '\(typeText)' is not a type") }
            let nameText = try field("query_name")
            guard let name = try? DNSName(nameText.hasSuffix(".") ? nameText : nameText + ".") else {
                throw Invalid(description: "\(origin): query_name '\(nameText)' is not a name")
            }
            let sourceText = try field("srcaddr")
            guard let from = IPAddress(sourceText) else { throw Invalid(description: "\(origin): srcaddr '\(sourceText)' is not an address") }
            let rcodeText = try field("rcode")
            guard let rcode = RCode(name: rcodeText) else { throw Invalid(description: "\(origin): rcode '\(rcodeText)' is not a response code") }
            let answers = (object["answers"] as? [[String: Any]] ?? []).compactMap { answer -> String? in
                guard let type = answer["Type"] as? String, let rdata = answer["Rdata"] as? String else { return nil }
                return Expectation.normalized(type: type, rdata: rdata)
            }
            result.append(Expectation(question: Question(name: name, type: type), from: from, rcode: rcode, answers: answers, origin: origin))
        }
        return result
    }

    /// A list of cases, each `{name, type (default A), from (default 127.0.0.1), via, rcode
    /// (default NOERROR), answers: ["A 10.0.0.1", ...]}`.
    public static func cases(_ text: String, file: String) throws(Invalid) -> [Expectation] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw Invalid(description: "\(file): \(error)")
        }
        guard let items = root?.sequence else { throw Invalid(description: "\(file): expected a list of cases") }
        var result: [Expectation] = []
        for item in items {
            let origin = "\(file):\(item.mark?.line ?? 0)"
            guard let fields = item.mapping else { throw Invalid(description: "\(origin): a case must be a mapping") }
            func value(_ key: String) -> String? { fields[Node(key)]?.string }
            let known: Set<String> = ["name", "type", "from", "via", "rcode", "answers"]
            if let unknown = fields.keys.compactMap(\.string).first(where: { !known.contains($0) }) {
                throw Invalid(description: "\(origin): unknown key '\(unknown)' (expected \(known.sorted().joined(separator: ", ")))")
            }
            guard let nameText = value("name"), let name = try? DNSName(nameText.hasSuffix(".") ? nameText : nameText + ".") else {
                throw Invalid(description: "\(origin): name: expected a domain name")
            }
            guard let type = RRType(mnemonic: value("type") ?? "A") else { throw Invalid(description: "\(origin): type: not a record type") }
            guard let from = IPAddress(value("from") ?? "127.0.0.1") else { throw Invalid(description: "\(origin): from: not an IP address") }
            var via: SocketAddress?
            if let text = value("via") {
                guard let address = SocketAddress(text, defaultPort: 53) else { throw Invalid(description: "\(origin): via: not a listen address") }
                via = address
            }
            guard let rcode = RCode(name: value("rcode") ?? "NOERROR") else { throw Invalid(description: "\(origin): rcode: not a response code") }
            var answers: [String] = []
            if let list = fields[Node("answers")] {
                guard let entries = list.sequence else { throw Invalid(description: "\(origin): answers: expected a list of 'TYPE rdata'") }
                for entry in entries {
                    guard let text = entry.string, let space = text.firstIndex(of: " ") else {
                        throw Invalid(description: "\(origin): answers: expected 'TYPE rdata', like 'A 10.0.0.1'")
                    }
                    answers.append(Expectation.normalized(type: String(text[..<space]), rdata: String(text[text.index(after: space)...])))
                }
            }
            result.append(Expectation(question: Question(name: name, type: type), from: from, via: via, rcode: rcode, answers: answers, origin: origin))
        }
        return result
    }
}
