#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The cache's notion of time, injected so tests can move it by hand.
public protocol CacheClock: Sendable {
    /// Monotonic milliseconds from an arbitrary origin; never goes backwards.
    func now() -> UInt64
}

/// `CLOCK_MONOTONIC`: unaffected by wall-clock changes (NTP steps, `date -s`), which must not
/// expire or revive cached answers.
public struct SystemCacheClock: CacheClock {
    public init() {}

    public func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1000 &+ UInt64(time.tv_nsec) / 1_000_000
    }
}

/// A clock that moves only when told to; for tests (here and in the resolver's).
public final class ManualCacheClock: CacheClock, @unchecked Sendable {
    // @unchecked Sendable: `milliseconds` lives inside a `Locked`, which owns its mutex.
    private let milliseconds: Locked<UInt64>

    public init(milliseconds: UInt64 = 0) {
        self.milliseconds = Locked(milliseconds)
    }

    public func now() -> UInt64 { milliseconds.withLock { $0 } }

    public func advance(seconds: UInt64) { advance(milliseconds: seconds * 1000) }

    public func advance(milliseconds delta: UInt64) { milliseconds.withLock { $0 += delta } }
}
