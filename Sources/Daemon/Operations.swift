import Control
import DNSCache
import DNSUpstream
import Foundation
import IPAddress
import Logging
import Resolver
import Telemetry
import Transport
import VPCConfig

/// The operator's side of a running daemon: the metrics listener (`metrics:`), the control
/// socket (`control:`) and the per-query counters both read. Built once at start; their settings
/// take effect at the next start (a reload that changes them says so).
final class Operations: @unchecked Sendable {
    /// Per-query counters and the Prometheus registry; nil when neither `metrics` nor `control`
    /// is configured, and then nothing is counted per query.
    let exporter: MetricsExporter?
    private var metricsServer: MetricsServer?
    private var controlServer: ControlServer?
    private let settings: (metrics: MetricsSettings?, control: ControlSettings?)
    private let logger: Logger
    let started = Date()

    init(config: VPCDNSConfig, logger: Logger) {
        self.logger = logger
        settings = (config.metrics, config.control)
        exporter = config.metrics != nil || config.control != nil ? MetricsExporter(version: VPCDNSVersion.current) : nil
    }

    /// What the engine counts every query with: the counters, when metrics or control are on.
    var counter: (any QueryCounter)? { exporter?.queries }

    /// Opens the metrics listener and the control socket; throws when either cannot be set up.
    func start(engine: QueryEngine, tcp: @escaping @Sendable () -> TCPStatistics, queryLogDropped: @escaping @Sendable () -> Int,
               verbs: ControlVerbs) throws {
        if let exporter {
            let cache = engine.cache
            exporter.addSource { Self.upstreamSamples(engine.state.upstreams) }
            exporter.addHistogramSource {
                Self.upstreamChannels(engine.state.upstreams).map { labels, counters in
                    HistogramSample(Families.upstreamLatency, labels: labels, bounds: UpstreamCounters.latencyBounds,
                                    counts: counters.latencyBuckets, sum: counters.latencySum)
                }
            }
            exporter.addSource {
                let statistics = cache.statistics
                return [
                    Sample(Families.cacheHits, Double(statistics.hits)),
                    Sample(Families.cacheMisses, Double(statistics.misses)),
                    Sample(Families.cacheEvictions, Double(statistics.evictions)),
                    Sample(Families.cacheExpired, Double(statistics.expired)),
                    Sample(Families.cacheEntries, Double(cache.count)),
                    Sample(Families.cacheStale, Double(statistics.staleAnswers)),
                ]
            }
            exporter.addSource { [Sample(Families.queryLogDropped, Double(queryLogDropped()))] }
            exporter.addSource {
                let statistics = tcp()
                return [
                    Sample(Families.tcpOpen, Double(statistics.open)),
                    Sample(Families.tcpAccepted, Double(statistics.accepted)),
                    Sample(Families.tcpRefused, Double(statistics.refused)),
                    Sample(Families.tcpClosed, Double(statistics.closedIdle), labels: [("reason", "idle")]),
                    Sample(Families.tcpClosed, Double(statistics.closedForPressure), labels: [("reason", "pressure")]),
                ]
            }
        }
        if let metrics = settings.metrics, let exporter {
            let host = metrics.listen.ip.description
            metricsServer = try MetricsServer(host: host, port: Int(metrics.listen.port), exporter: exporter)
            logger.info("metrics listening", metadata: ["address": "\(metricsServer!.boundAddress)"])
        }
        if let control = settings.control {
            controlServer = try ControlServer(path: control.socket, group: control.group) { words in verbs.handle(words) }
            logger.info("control socket", metadata: ["path": "\(control.socket)"])
        }
    }

    /// Each upstream set's channel counters with its labels: `set` (its index: 0 is `upstreams`,
    /// the rest forward rules' targets) and `servers`.
    static func upstreamChannels(_ pool: UpstreamPool) -> [([(String, String)], UpstreamCounters)] {
        zip(pool.channels, pool.configurations).enumerated().compactMap { index, pair in
            let (pooled, configuration) = pair
            let labels = [("set", String(index)), ("servers", configuration.servers.map(\.description).joined(separator: ","))]
            return pooled.channel.map { (labels, $0.counters) }
        }
    }

    static func upstreamSamples(_ pool: UpstreamPool) -> [Sample] {
        upstreamChannels(pool).flatMap { labels, counters in [
            Sample(Families.upstreamQueries, Double(counters.queries), labels: labels),
            Sample(Families.upstreamAnswers, Double(counters.answers), labels: labels),
            Sample(Families.upstreamTimeouts, Double(counters.timeouts), labels: labels),
            Sample(Families.upstreamFailures, Double(counters.failures), labels: labels),
            Sample(Families.upstreamRejected, Double(counters.rejectedDatagrams), labels: labels),
        ] }
    }

    func loaded(took duration: Duration, reload: Bool) {
        exporter?.daemon.configLoaded(took: duration, at: Date().timeIntervalSince1970, reload: reload)
        exporter?.readiness.serving()
    }

    func reloadFailed(_ why: String) {
        exporter?.daemon.reloadFailed()
        exporter?.readiness.reloadFailed(String(why.prefix(300)))
    }

    /// Warns when a reload changed settings only a restart applies.
    func check(_ config: VPCDNSConfig) {
        if config.metrics != settings.metrics || config.control != settings.control {
            logger.warning("metrics and control settings changed: they take effect when vpcdns restarts")
        }
    }

    func stop() {
        exporter?.readiness.stopping()
        controlServer?.stop()
        metricsServer?.stop()
    }

    /// `ready`, or why not; `unknown` when nothing tracks it.
    var readiness: String { exporter?.readiness.description ?? "ready" }
}
