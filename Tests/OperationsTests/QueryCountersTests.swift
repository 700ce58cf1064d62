import DNSWire
import IPAddress
@testable import Resolver
import Testing
import VPCModel
@testable import Telemetry

private func event(view: String?, type: RRType? = .a, rcode: RCode = .noError, source: Reason.Source = .recursion,
                   transport: QueryEvent.Transport = .udp, fromCache: Bool = false, dropped: Bool = false) -> QueryTally {
    QueryTally(reason: view.map { Reason(view: $0, source: source) }, transport: transport, type: type, rcode: rcode,
               fromCache: fromCache, dropped: dropped)
}

@Suite("per-query counters")
struct QueryCountersTests {
    @Test func countsByViewTransportTypeRcodeAndSource() {
        let counters = QueryCounters()
        counters.count(event(view: "vpc-1", source: .privateZone(apex: "corp.test.", file: "z")))
        counters.count(event(view: "vpc-1", type: .aaaa, transport: .tcp, fromCache: true))
        counters.count(event(view: "vpc-1", type: RRType(999), rcode: .nxDomain))
        counters.count(event(view: "default", rcode: .refused, source: .notAllowed))
        counters.count(event(view: nil, type: nil, rcode: .formErr))
        counters.count(event(view: "vpc-2", source: .dnsSupportDisabled, dropped: true))
        var limited = event(view: nil, type: nil)
        limited.rateLimited = true
        counters.count(limited)

        let snapshot = counters.snapshot()
        func requests(_ view: String, _ transport: String, _ type: String) -> UInt64? {
            snapshot.requests.first { $0.view == view && $0.transport == transport && $0.type == type }?.value
        }
        #expect(requests("vpc-1", "udp", "A") == 1)
        #expect(requests("vpc-1", "tcp", "AAAA") == 1)
        #expect(requests("vpc-1", "udp", "other") == 1)
        #expect(requests("none", "udp", "none") == 1)
        #expect(snapshot.totalRequests == 6)
        let responses = Dictionary(uniqueKeysWithValues: snapshot.responses.map { ("\($0.view) \($0.label)", $0.value) })
        #expect(responses == ["vpc-1 NOERROR": 2, "vpc-1 NXDOMAIN": 1, "default REFUSED": 1, "none FORMERR": 1, "vpc-2 dropped": 1])
        let answers = Dictionary(uniqueKeysWithValues: snapshot.answers.map { ("\($0.view) \($0.label)", $0.value) })
        #expect(answers == ["vpc-1 private_zone": 1, "vpc-1 cache": 1, "vpc-1 upstream": 1, "default refused": 1, "none door": 1])
        #expect(snapshot.rateLimited == 1)
    }

    @Test func countsFromManyThreadsWithoutLosingAny() async {
        let counters = QueryCounters()
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for _ in 0..<1000 { counters.count(event(view: "vpc-\(worker % 3)")) }
                }
            }
        }
        #expect(counters.snapshot().totalRequests == 8000)
    }
}

@Suite("Prometheus exporter")
struct MetricsExporterTests {
    @Test func bridgesCountersByTheirGrowthAndRendersTheTextFormat() {
        let exporter = MetricsExporter(version: "9.9.9")
        exporter.queries.count(event(view: "vpc-1"))
        _ = exporter.render()
        exporter.queries.count(event(view: "vpc-1"))
        exporter.addSource { [Sample(Families.cacheHits, 5)] }
        let text = String(decoding: exporter.render(), as: UTF8.self)
        #expect(text.contains("vpcdns_requests_total{view=\"vpc-1\",transport=\"udp\",type=\"A\"} 2"), "\(text)")
        #expect(text.contains("# TYPE vpcdns_requests_total counter"))
        #expect(text.contains("vpcdns_cache_hits_total 5"), "\(text)")
        #expect(text.contains("vpcdns_build_info{version=\"9.9.9\"} 1"), "\(text)")
        #expect(text.contains("vpcdns_ready 0"), "\(text)")
        exporter.daemon.reloadFailed()
        exporter.readiness.serving()
        let again = String(decoding: exporter.render(), as: UTF8.self)
        #expect(again.contains("vpcdns_requests_total{view=\"vpc-1\",transport=\"udp\",type=\"A\"} 2"), "\(again)")
        #expect(again.contains("vpcdns_reloads_total{result=\"failed\"} 1"), "\(again)")
        #expect(again.contains("vpcdns_ready 1"), "\(again)")
    }

    @Test func readinessFollowsLoadsReloadsAndStop() {
        let readiness = Readiness()
        #expect(!readiness.isReady && readiness.description == "not ready: starting")
        readiness.serving()
        #expect(readiness.isReady && readiness.description == "ready")
        readiness.reloadFailed("x.yaml:3:1: bad")
        #expect(!readiness.isReady && readiness.description.contains("x.yaml:3:1: bad"))
        readiness.serving()
        readiness.stopping()
        #expect(readiness.description == "not ready: stopping")
    }
}

@Suite("histograms kept elsewhere")
struct HistogramSampleTests {
    @Test func bucketsAreWrittenCumulativeWithSumAndCount() {
        let sample = HistogramSample(Families.upstreamLatency, labels: [("set", "0"), ("servers", "a\"b")], bounds: [0.01, 0.1],
                                     counts: [2, 1, 1], sum: 0.5)
        #expect(sample.lines() == [
            "vpcdns_upstream_latency_seconds_bucket{set=\"0\",servers=\"a\\\"b\",le=\"0.01\"} 2",
            "vpcdns_upstream_latency_seconds_bucket{set=\"0\",servers=\"a\\\"b\",le=\"0.1\"} 3",
            "vpcdns_upstream_latency_seconds_bucket{set=\"0\",servers=\"a\\\"b\",le=\"+Inf\"} 4",
            "vpcdns_upstream_latency_seconds_sum{set=\"0\",servers=\"a\\\"b\"} 0.5",
            "vpcdns_upstream_latency_seconds_count{set=\"0\",servers=\"a\\\"b\"} 4",
        ])
    }
}

@Suite("counter cells")
struct CounterBucketsTests {
    @Test func everyLabelHasItsOwnCell() {
        for (index, name) in CounterBuckets.types.enumerated() {
            if let type = RRType(mnemonic: name) { #expect(CounterBuckets.type(type) == index, "\(name)") }
        }
        #expect(CounterBuckets.types[CounterBuckets.type(RRType(999))] == "other")
        #expect(CounterBuckets.types[CounterBuckets.type(nil)] == "none")
        #expect(CounterBuckets.rcodeCells.count == CounterBuckets.rcodes.count)
        #expect(CounterBuckets.sourceCells.count == CounterBuckets.sources.count)
        #expect(CounterBuckets.sourceCells.count == QueryTally.Source.allCases.count)
        let cells = (0..<2).flatMap { transport in CounterBuckets.types.indices.map { CounterBuckets.requestCell(transport: transport, type: $0) } }
            + Array(CounterBuckets.rcodeCells) + Array(CounterBuckets.sourceCells)
        #expect(Set(cells).count == CounterBuckets.cellCount && cells.max() == CounterBuckets.cellCount - 1)
    }
}
