#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The cache's notion of time, injected so tests can move it by hand.
public protocol CacheClock: Sendable {
    /// Monotonic milliseconds from an arbitrary origin; never goes backwards.
    func now() -> UInt64
}

/// The monotonic clock: unaffected by wall-clock changes (NTP steps, `date -s`), which must not
/// expire or revive cached answers. On Linux its coarse variant, `CLOCK_MONOTONIC_COARSE`: the
/// same clock read from the last tick (1-4 ms resolution, far below the 1 s of a TTL) for a
/// few ns instead of ~30 on every cache hit.
public struct SystemCacheClock: CacheClock {
    public init() {}

    public func now() -> UInt64 {
        var time = timespec()
        #if os(Linux)
        clock_gettime(CLOCK_MONOTONIC_COARSE, &time)
        #else
        clock_gettime(CLOCK_MONOTONIC, &time)
        #endif
        return UInt64(time.tv_sec) &* 1000 &+ UInt64(time.tv_nsec) / 1_000_000
    }
}

/// A clock that moves only when told to; for tests (here and in the resolver's).
public final class ManualCacheClock: CacheClock {
    private let milliseconds: Mutex<UInt64>

    public init(milliseconds: UInt64 = 0) {
        self.milliseconds = Mutex(milliseconds)
    }

    public func now() -> UInt64 { milliseconds.withLock { $0 } }

    public func advance(seconds: UInt64) { advance(milliseconds: seconds * 1000) }

    public func advance(milliseconds delta: UInt64) { milliseconds.withLock { $0 += delta } }
}
