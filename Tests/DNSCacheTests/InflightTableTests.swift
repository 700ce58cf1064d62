import DNSCache
import DNSWire
import Dispatch
import Testing

@Suite struct InflightTableTests {
    @Test func firstJoinerSendsAndCompleteReturnsEveryWaiter() {
        let table = InflightTable<CacheKey, Int>()
        let a = key("a.example."), b = key("b.example.")
        #expect(table.join(a, 1) == true, "first: must send upstream")
        #expect(table.join(a, 2) == false)
        #expect(table.join(key("A.EXAMPLE."), 3) == false, "same key in another case")
        #expect(table.join(b, 10) == true, "another key is its own round")
        #expect(table.count == 2)
        #expect(table.waiterCount(for: a) == 3)
        #expect(table.complete(a) == [1, 2, 3], "the first waiter included, in arrival order")
        #expect(table.complete(a) == [], "a round completes once")
        #expect(table.join(a, 4) == true, "a join after completion starts a new round")
        #expect(table.complete(b) == [10])
        #expect(table.count == 1)
    }

    @Test func concurrentJoinsElectExactlyOneSender() {
        let table = InflightTable<Int, Int>()
        let keys = 8, joiners = 400
        let firsts = Counters(joiners)
        DispatchQueue.concurrentPerform(iterations: joiners) { joiner in
            if table.join(joiner % keys, joiner) { firsts.add(joiner) }
        }
        #expect(firsts.total == UInt64(keys))
        for k in 0..<keys {
            #expect(table.complete(k).sorted() == Array(stride(from: k, to: joiners, by: keys)))
        }
        #expect(table.count == 0)
    }
}
