import DNSCache
import DNSWire
import Platform
import Dispatch
import Foundation
import Testing

/// Readers and writers on several threads at once, as two UDP queues and upstream completions do.
@Suite struct ConcurrencyTests {
    @Test func concurrentStoresLookupsAndRetainsStayConsistent() throws {
        let clock = ManualClock()
        let cache = DNSCache(settings: CacheSettings(maxEntries: 50), clock: clock)
        let names = try (0..<200).map { try DNSName("Host\($0).Example.") }
        let messages = try names.enumerated().map { index, name in
            try response(name, answers: ["\(name) \(30 + index % 60) IN A 192.0.2.\(index % 256)"])
        }
        let threads = 4, rounds = 3_000
        let lookups = Counters(threads)
        let failures = Counters(threads)
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            var random = SystemRandomNumberGenerator()
            for round in 0..<rounds {
                let index = Int.random(in: 0..<names.count, using: &random)
                let k = key(names[index])
                switch round % 10 {
                case 0, 1: cache.store(messages[index], for: k)
                case 2: clock.advance(milliseconds: 100)
                case 3 where round % 500 == 3: cache.retain { $0.name != names[index] }
                default:
                    lookups.add(thread)
                    let asked = names[index].lowercased()
                    let q = query(asked, id: UInt16(round))
                    guard let wire = cache.lookupWire(k, query: q, edns: nil, maxSize: 512) else { continue }
                    guard let reply = try? Message(wire: wire), reply.header.id == UInt16(round),
                          reply.questions.first?.name.wire == asked.wire,
                          reply.answers.map(\.rdata) == messages[index].answers.map(\.rdata)
                    else { failures.add(thread); continue }
                }
            }
        }
        #expect(failures.total == 0, "every hit is the right answer for the right query")
        let statistics = cache.statistics
        #expect(statistics.hits + statistics.misses == lookups.total)
        #expect(statistics.hits > 0 && statistics.evictions > 0)
        #expect(statistics.entries == Int(statistics.inserts - statistics.evictions - statistics.expired - statistics.removed))
        #expect(statistics.entries <= 50)
        #expect(statistics.entries == cache.count)
    }
}

/// One counter per thread, each written by its own thread only, summed after the threads end.
final class Counters: @unchecked Sendable {
    // @unchecked Sendable: slot i is touched only by thread i; `total` is read after all joined.
    private let slots: UnsafeMutableBufferPointer<UInt64>
    init(_ count: Int) { slots = .allocate(capacity: count); slots.initialize(repeating: 0) }
    deinit { slots.deallocate() }
    func add(_ thread: Int) { slots[thread] += 1 }
    var total: UInt64 { slots.reduce(0, +) }
}
