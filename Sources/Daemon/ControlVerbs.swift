import Control
import DNSCache
import DNSWire
import Explain
import Foundation
import IPAddress
import Resolver
import Telemetry

/// What `vpcdns ctl` can ask the running daemon, each verb answered from the live state.
struct ControlVerbs: Sendable {
    let engine: QueryEngine
    let operations: Operations
    let source: ConfigSource
    /// Reloads on the daemon's control queue and returns the failure, if any.
    let reload: @Sendable () -> String?
    let status: @Sendable () -> String

    static let usage = """
        verbs: status | stats | reload | flush [NAME] | dump-cache | lookup NAME [TYPE] [--from ADDR] [--via LISTEN]
        """

    func handle(_ words: [String]) -> ControlReply {
        let arguments = Array(words.dropFirst())
        switch words.first {
        case "status": return ControlReply(ok: true, text: status())
        case "stats": return ControlReply(ok: true, text: stats())
        case "reload":
            if let failure = reload() { return .failure("reload failed, still serving the previous config:\n\(failure)") }
            return ControlReply(ok: true, text: "reloaded \(source)")
        case "flush": return flush(arguments)
        case "dump-cache": return ControlReply(ok: true, text: dumpCache())
        case "lookup": return lookup(arguments)
        default: return .failure("unknown verb \(words.first ?? "")\n\(Self.usage)")
        }
    }

    private func stats() -> String {
        var lines: [String] = []
        let cache = engine.cache.statistics
        lines.append("cache.entries=\(engine.cache.count)")
        lines.append("cache.hits=\(cache.hits)")
        lines.append("cache.misses=\(cache.misses)")
        lines.append("cache.evictions=\(cache.evictions)")
        lines.append("cache.expired=\(cache.expired)")
        lines.append("cache.stale_answers=\(cache.staleAnswers)")
        if let counts = operations.exporter?.queries.snapshot() {
            lines.append("requests.total=\(counts.totalRequests)")
            for request in counts.requests { lines.append("requests{view=\(request.view),transport=\(request.transport),type=\(request.type)}=\(request.value)") }
            for response in counts.responses { lines.append("responses{view=\(response.view),rcode=\(response.label)}=\(response.value)") }
            for answer in counts.answers { lines.append("answers{view=\(answer.view),source=\(answer.label)}=\(answer.value)") }
            lines.append("rate_limited=\(counts.rateLimited)")
        }
        return lines.joined(separator: "\n")
    }

    private func flush(_ arguments: [String]) -> ControlReply {
        guard let text = arguments.first else {
            let count = engine.cache.count
            engine.cache.removeAll()
            return ControlReply(ok: true, text: "flushed \(count) entries")
        }
        guard arguments.count == 1, let name = try? DNSName(text) else { return .failure("flush: '\(arguments.joined(separator: " "))' is not a domain name") }
        let before = engine.cache.count
        engine.cache.retain { $0.name != name }
        return ControlReply(ok: true, text: "flushed \(before - engine.cache.count) entries for \(name)")
    }

    private func dumpCache() -> String {
        let entries = engine.cache.dump().sorted { ($0.key.name.description, $0.key.type.rawValue) < ($1.key.name.description, $1.key.type.rawValue) }
        var lines = [";; \(entries.count) entries"]
        for (key, reply) in entries {
            lines.append(";; \(key.name) \(key.type) upstream-set=\(key.upstreamSet)\(key.dnssecOK ? " do" : "") \(reply.rcode)")
            for record in reply.answers + reply.authorities { lines.append("\(record.name)\t\(record.ttl)\t\(record.dnsClass)\t\(record.type)\t\(record.rdata)") }
        }
        return lines.joined(separator: "\n")
    }

    private func lookup(_ arguments: [String]) -> ControlReply {
        let parsed: ExplainArguments
        do {
            parsed = try ExplainArguments.parse(arguments)
        } catch {
            return .failure("lookup: \(error)")
        }
        let state = engine.state
        let cache = engine.cache
        let explanation = Explainer.explain(parsed.question, client: parsed.from, local: parsed.via, config: state.config, model: state.model,
                                            upstreamNames: state.upstreams.upstreamNames) { upstreamSet, name, type in
            let key = CacheKey(name: name, type: type, dnsClass: .internet, dnssecOK: false, upstreamSet: state.upstreams.channel(for: upstreamSet).id)
            return cache.dump().first { $0.key == key }.map { ($0.reply, "in the cache") }
        }
        return ControlReply(ok: true, text: explanation.text)
    }
}
