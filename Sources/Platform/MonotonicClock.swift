#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// vpcdns's one clock: `CLOCK_MONOTONIC`, which wall-clock changes (NTP steps, `date -s`) do
/// not move, and the clock systemd uses for `MONOTONIC_USEC=` and watchdog deadlines. Rate
/// limits, cache lifetimes, timeouts and load times are all measured on it.
///
/// An instance reads milliseconds for what takes its time from a `MillisecondClock` (tests
/// substitute a `ManualClock`); the static functions read the clock directly.
public struct MonotonicClock: MillisecondClock {
    /// How fresh a reading must be.
    public enum Resolution: Sendable {
        /// The exact time.
        case precise
        /// The time at the last scheduler tick (1-4 ms old on Linux, `CLOCK_MONOTONIC_COARSE`):
        /// the same clock for a few ns instead of ~30 per reading, for the cache's TTLs, which
        /// count whole seconds. Never later than a precise reading taken after it.
        case coarse
    }

    public let resolution: Resolution

    public init(resolution: Resolution = .precise) {
        self.resolution = resolution
    }

    /// Milliseconds since an arbitrary origin (boot, on Linux), at this clock's resolution.
    @inline(__always)
    public func now() -> UInt64 { Self.milliseconds(resolution) }

    /// Nanoseconds since an arbitrary origin (boot, on Linux).
    @inline(__always)
    public static func nanoseconds(_ resolution: Resolution = .precise) -> UInt64 {
        var time = timespec()
        #if os(Linux)
        clock_gettime(resolution == .coarse ? CLOCK_MONOTONIC_COARSE : CLOCK_MONOTONIC, &time)
        #else
        clock_gettime(CLOCK_MONOTONIC, &time)
        #endif
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    /// Microseconds since the origin: systemd's unit.
    public static func microseconds() -> UInt64 { nanoseconds() / 1_000 }

    /// Milliseconds since the origin.
    @inline(__always)
    public static func milliseconds(_ resolution: Resolution = .precise) -> UInt64 {
        nanoseconds(resolution) / 1_000_000
    }

    /// Seconds since the origin, fractional.
    public static func seconds() -> Double { Double(nanoseconds()) / 1e9 }

    /// The time passed since `start`, a reading of `nanoseconds()`.
    public static func elapsed(since start: UInt64) -> Duration { .nanoseconds(Int64(nanoseconds() &- start)) }
}

/// A clock read in milliseconds, where code takes its time as a parameter so that tests can
/// move it by hand: `MonotonicClock` in service, `ManualClock` in tests.
public protocol MillisecondClock: Sendable {
    /// Milliseconds from an arbitrary origin; never goes backwards.
    func now() -> UInt64
}
