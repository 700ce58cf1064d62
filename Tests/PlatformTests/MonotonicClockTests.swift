#if canImport(Glibc)
import Glibc
#endif
import Platform
import Testing

@Suite struct MonotonicClockTests {
    /// Reads CLOCK_MONOTONIC without the type under test.
    static func directNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    @Test("readings come from CLOCK_MONOTONIC, in each unit")
    func readsCLOCK_MONOTONIC() {
        let before = Self.directNanoseconds()
        let nanoseconds = MonotonicClock.nanoseconds()
        let microseconds = MonotonicClock.microseconds()
        let milliseconds = MonotonicClock.milliseconds()
        let after = Self.directNanoseconds()
        #expect(before <= nanoseconds && nanoseconds <= after)
        #expect(before / 1_000 <= microseconds && microseconds <= after / 1_000)
        #expect(before / 1_000_000 <= milliseconds && milliseconds <= after / 1_000_000)
    }

    @Test("never goes backwards, precise or coarse; a coarse reading is never ahead of a later precise one")
    func neverGoesBackwards() {
        var precise = MonotonicClock.nanoseconds()
        var coarse = MonotonicClock.nanoseconds(.coarse)
        for _ in 0..<100_000 {
            let nextCoarse = MonotonicClock.nanoseconds(.coarse)
            let nextPrecise = MonotonicClock.nanoseconds()
            #expect(nextPrecise >= precise)
            #expect(nextCoarse >= coarse)
            #expect(nextCoarse <= nextPrecise)
            precise = nextPrecise
            coarse = nextCoarse
        }
    }

    @Test("an instance reads milliseconds at its resolution")
    func instanceReadsMilliseconds() {
        let before = MonotonicClock.milliseconds()
        let precise = MonotonicClock().now()
        let coarse = MonotonicClock(resolution: .coarse).now()
        let after = MonotonicClock.milliseconds()
        #expect(before <= precise && precise <= after)
        #expect(coarse <= after && after - coarse < 1_000)
    }

    @Test("elapsed(since:) measures from a nanoseconds reading")
    func elapsed() {
        let start = MonotonicClock.nanoseconds() - 2_000_000_000
        let elapsed = MonotonicClock.elapsed(since: start)
        #expect(elapsed >= .seconds(2) && elapsed < .seconds(60))
    }

    @Test("a manual clock moves only when told")
    func manualClock() {
        let clock = ManualClock(milliseconds: 5)
        #expect(clock.now() == 5)
        clock.advance(seconds: 2)
        #expect(clock.now() == 2_005)
        clock.advance(milliseconds: 7)
        #expect(clock.now() == 2_012)
        let reader: any MillisecondClock = clock
        #expect(reader.now() == 2_012)
    }
}
