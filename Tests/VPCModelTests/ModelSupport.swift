import DNSWire
import IPAddress
import Testing
import VPCConfig
import VPCModel

#if canImport(Glibc)
import Glibc
#endif

/// Builds a model from YAML, writing `zones` (file name → text) beside the config first, so
/// zone files go through the real loader.
func makeModel(_ yaml: String, zones: [String: String] = [:]) throws -> ResolutionModel {
    var template = Array("/tmp/vpcdns-model-XXXXXX".utf8CString)
    let folder = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    for (name, text) in zones {
        let path = "\(folder)/\(name)"
        if let slash = name.lastIndex(of: "/") { mkdir("\(folder)/\(name[..<slash])", 0o755) }
        let file = fopen(path, "w")!
        fputs(text, file)
        fclose(file)
    }
    let config = try ConfigLoader.parse(yaml: yaml, file: "\(folder)/vpcdns.yaml", baseDirectory: folder)
    return try ResolutionModel(config: config, zoneRoot: folder)
}

/// The config errors a YAML config gives, as `line: message` strings.
func modelErrors(_ yaml: String, zones: [String: String] = [:]) -> [String] {
    do {
        _ = try makeModel(yaml, zones: zones)
        return []
    } catch let errors as ConfigErrors {
        return errors.errors.map { "\($0.location.line): \($0.message)" }
    } catch {
        return ["unexpected \(error)"]
    }
}

/// What a decision looks like in a test table.
struct Outcome: Equatable, CustomStringConvertible {
    var kind: String
    var answers: [String] = []
    var authorities: [String] = []

    static func answer(_ rcode: String, _ answers: [String] = [], authority: [String] = []) -> Outcome {
        Outcome(kind: rcode, answers: answers.sorted(), authorities: authority.sorted())
    }

    static func forward(_ upstream: Int, name: String? = nil, chain: [String] = []) -> Outcome {
        Outcome(kind: "forward \(upstream)" + (name.map { " \($0)" } ?? ""), answers: chain.sorted())
    }

    static let refuse = Outcome(kind: "REFUSED")
    static let drop = Outcome(kind: "drop")

    var description: String { "\(kind) \(answers) \(authorities)" }
}

extension ResolutionModel {
    func outcome(_ name: String, _ type: RRType = .a, from client: String = "10.10.0.5", to local: String? = nil) throws -> Outcome {
        let question = Question(name: try DNSName(name), type: type)
        let decision = decide(question, client: try #require(IPAddress(client)), local: local.flatMap { SocketAddress($0) })
        switch decision {
        case .answer(let answer):
            return .answer(answer.rcode.description, answer.answers.map(\.description), authority: answer.authorities.map(\.description))
        case .forward(let upstream, let target, let chain, _):
            return .forward(upstream.index, name: target == question.name ? nil : target.description, chain: chain.map(\.description))
        case .refuse: return .refuse
        case .drop: return .drop
        }
    }
}
