import Dispatch

/// A `Duration` in the units the system calls, c-ares, Dispatch and metrics take.
extension Duration {
    /// Whole nanoseconds, truncated toward zero, saturating at `Int64`'s bounds.
    public var inNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let whole = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !whole.overflow else { return seconds < 0 ? .min : .max }
        let total = whole.partialValue.addingReportingOverflow(attoseconds / 1_000_000_000)
        guard !total.overflow else { return seconds < 0 ? .min : .max }
        return total.partialValue
    }

    /// Whole milliseconds, truncated toward zero, saturating at `Int64`'s bounds.
    public var inMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let whole = seconds.multipliedReportingOverflow(by: 1_000)
        guard !whole.overflow else { return seconds < 0 ? .min : .max }
        return whole.partialValue + attoseconds / 1_000_000_000_000_000
    }

    /// Seconds, fractional.
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// For Dispatch timers and waits; `.never` when too long for nanoseconds.
    public var dispatchInterval: DispatchTimeInterval {
        let nanoseconds = inNanoseconds
        guard nanoseconds != .max, nanoseconds != .min else { return .never }
        return .nanoseconds(Int(clamping: nanoseconds))
    }
}
