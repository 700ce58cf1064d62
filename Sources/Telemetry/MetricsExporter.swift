import Prometheus
import Synchronization

/// vpcdns's Prometheus registry and everything it is filled from. Lifecycle metrics go in
/// through swift-metrics as they happen; per-query counters and the other parts' statistics are
/// read at scrape time and bridged in (counters by their growth since the last scrape), so the
/// query path only ever does relaxed atomic adds.
public final class MetricsExporter: Sendable {
    public let registry = PrometheusCollectorRegistry()
    public let queries = QueryCounters()
    public let readiness = Readiness()
    public let daemon: DaemonMetrics
    private let sources = Mutex<[SampleSource]>([])
    private let histogramSources = Mutex<[HistogramSource]>([])
    /// Per series (name and labels): the counter value last bridged. Also serializes scrapes.
    private let bridged = Mutex<[String: Double]>([:])

    public init(version: String) {
        daemon = DaemonMetrics(factory: PrometheusMetricsFactory(registry: registry), version: version)
    }

    /// Adds a part of vpcdns read at every scrape.
    public func addSource(_ source: @escaping SampleSource) {
        sources.withLock { $0.append(source) }
    }

    /// Adds histograms read at every scrape.
    public func addHistogramSource(_ source: @escaping HistogramSource) {
        histogramSources.withLock { $0.append(source) }
    }

    /// The text exposition format (version 0.0.4) of every metric, after a fresh read.
    public func render() -> [UInt8] {
        bridged.withLock { last in
            for sample in collect() {
                bridge(sample, last: &last)
            }
            var text = registry.emitToBuffer()
            var described: Set<String> = []
            for histogram in histogramSources.withLock({ $0 }).flatMap({ $0() }) {
                let name = histogram.family.fullName
                if described.insert(name).inserted {
                    text += Array("# HELP \(name) \(histogram.family.help)\n# TYPE \(name) histogram\n".utf8)
                }
                for line in histogram.lines() { text += Array((line + "\n").utf8) }
            }
            return text
        }
    }

    private func collect() -> [Sample] {
        let counts = queries.snapshot()
        var samples: [Sample] = counts.requests.map {
            Sample(Families.requests, Double($0.value), labels: [("view", $0.view), ("transport", $0.transport), ("type", $0.type)])
        }
        samples += counts.responses.map { Sample(Families.responses, Double($0.value), labels: [("view", $0.view), ("rcode", $0.label)]) }
        samples += counts.answers.map { Sample(Families.answers, Double($0.value), labels: [("view", $0.view), ("source", $0.label)]) }
        samples.append(Sample(Families.rateLimited, Double(counts.rateLimited)))
        samples.append(Sample(Families.ready, readiness.isReady ? 1 : 0))
        for source in sources.withLock({ $0 }) { samples += source() }
        return samples
    }

    private func bridge(_ sample: Sample, last: inout [String: Double]) {
        let family = sample.family
        let descriptor = MetricNameDescriptor(metricName: family.name, unitName: family.unit, helpText: family.help)
        switch family.kind {
        case .gauge:
            registry.makeGauge(descriptor: descriptor, labels: sample.labels).set(sample.value)
        case .counter:
            let key = family.fullName + sample.labels.map { "\u{0}\($0.0)=\($0.1)" }.joined()
            let previous = last[key] ?? 0
            // A part that started counting again (a new cache, say) grew by all it has now.
            let growth = sample.value >= previous ? sample.value - previous : sample.value
            let counter = registry.makeCounter(descriptor: descriptor, labels: sample.labels)
            if growth > 0 { counter.increment(by: growth) }
            last[key] = sample.value
        }
    }
}
