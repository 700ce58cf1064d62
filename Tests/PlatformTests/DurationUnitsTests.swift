import Dispatch
import Platform
import Testing

@Suite struct DurationUnitsTests {
    @Test func nanosecondsTruncateAndSaturate() {
        #expect(Duration.milliseconds(1_500).inNanoseconds == 1_500_000_000)
        #expect(Duration.nanoseconds(7).inNanoseconds == 7)
        #expect((Duration.nanoseconds(1) / 4).inNanoseconds == 0)
        #expect(Duration.seconds(Int64.max / 2).inNanoseconds == .max)
        #expect(Duration.seconds(-(Int64.max / 2)).inNanoseconds == .min)
    }

    @Test func millisecondsTruncate() {
        #expect(Duration.seconds(2).inMilliseconds == 2_000)
        #expect(Duration.microseconds(1_999).inMilliseconds == 1)
        #expect(Duration.microseconds(999).inMilliseconds == 0)
    }

    @Test func fractionalSeconds() {
        #expect(Duration.milliseconds(1_250).inSeconds == 1.25)
    }

    @Test func dispatchIntervals() {
        #expect(Duration.milliseconds(3).dispatchInterval == .nanoseconds(3_000_000))
        #expect(Duration.seconds(Int64.max / 2).dispatchInterval == .never)
    }
}
