import DNSCache
import DNSWire
import Platform
import Dispatch
import Foundation
import Testing

/// Cost of a cache hit, for the report. NOT a test of speed: it asserts nothing about time and
/// runs only with VPCDNS_BENCH=1, best in release:
///     VPCDNS_BENCH=1 swift test -c release --filter DNSCacheTests.Benchmark
/// (for a profile: `perf record -g` on .build/release/vpcdnsPackageTests.xctest
/// --testing-library swift-testing --filter Benchmark, with the same variable set).
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["VPCDNS_BENCH"] == "1"))
struct Benchmark {
    static let iterations = 1_000_000

    func nanoseconds(_ iterations: Int = iterations, _ body: () -> Void) -> Double {
        let start = MonotonicClock.nanoseconds()
        for _ in 0..<iterations { body() }
        return Double(MonotonicClock.nanoseconds() - start) / Double(iterations)
    }

    func report(_ label: String, _ ns: Double) {
        print("bench \(label): \(String(format: "%.0f", ns)) ns/op")
    }

    @Test(arguments: [2, 8])
    func hit(records: Int) throws {
        let cache = DNSCache(settings: CacheSettings(), clock: MonotonicClock(resolution: .coarse))
        let name: DNSName = "ssm.ap-northeast-1.amazonaws.com."
        let answers = ["ssm.ap-northeast-1.amazonaws.com. 60 IN CNAME vpce-0123456789abcdef0-abcdefgh.ssm.ap-northeast-1.vpce.amazonaws.com."]
            + (0..<records).map { "vpce-0123456789abcdef0-abcdefgh.ssm.ap-northeast-1.vpce.amazonaws.com. 60 IN A 10.10.\($0).10" }
        let upstream = try response(name, answers: answers, edns: EDNS(udpPayloadSize: 1232))
        let k = key(name)
        #expect(cache.store(upstream, for: k) == .stored(ttl: 60, negative: false))
        // Some other entries so the index is not trivially small.
        for index in 0..<10_000 {
            let other = try DNSName("host\(index).example.")
            cache.store(try response(other, answers: ["host\(index).example. 60 IN A 192.0.2.1"]), for: key(other))
        }
        let q = query("SSM.ap-northeast-1.amazonaws.com.", edns: EDNS())
        let edns = EDNS(udpPayloadSize: 1232)
        var sink = 0
        let size = cache.lookupWire(k, query: q, edns: edns, maxSize: 1232)!.count
        print("bench reply of \(records + 1) records: \(size) bytes")
        report("lookupWire, \(records + 1) records (copy + patch + OPT)", nanoseconds { sink &+= cache.lookupWire(k, query: q, edns: edns, maxSize: 1232)!.count })
        report("lookup -> Message, \(records + 1) records (copy + patch + decode)", nanoseconds(200_000) { sink &+= cache.lookup(k, query: q)!.answers.count })
        var reply = cache.lookup(k, query: q)!
        reply.edns = edns
        report("Message.encode of the same reply (what a Message-only cache adds)", nanoseconds(200_000) { sink &+= (try? reply.encode(maxSize: 1232))?.count ?? 0 })
        report("lookupWire truncating to 64 bytes (decode + encode path)", nanoseconds(200_000) { sink &+= cache.lookupWire(k, query: q, edns: nil, maxSize: 64)!.count })
        let absent: DNSName = "absent.example.", absentKey = key(absent), absentQuery = query(absent)
        report("miss", nanoseconds { sink &+= cache.lookupWire(absentKey, query: absentQuery, edns: nil, maxSize: 512)?.count ?? 1 })
        report("store (encode + policy + insert)", nanoseconds(100_000) { sink &+= cache.store(upstream, for: k) == .notCached(.disabled) ? 1 : 0 })
        report("key hash", nanoseconds { sink &+= k.hashValue })
        report("MonotonicClock(resolution: .coarse).now", nanoseconds { sink &+= Int(MonotonicClock(resolution: .coarse).now() & 1) })

        let threads = 2, perThread = 500_000
        let start = MonotonicClock.nanoseconds()
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            for _ in 0..<perThread { _ = cache.lookupWire(k, query: q, edns: edns, maxSize: 1232) }
        }
        let wall = Double(MonotonicClock.nanoseconds() - start)
        report("lookupWire, 2 threads at once (wall time / total lookups)", wall / Double(threads * perThread))
        #expect(sink != 0)
    }
}
