#if canImport(Glibc)
import Glibc
#endif

/// `CLOCK_MONOTONIC`, the clock systemd uses for `MONOTONIC_USEC=` and watchdog deadlines.
public enum MonotonicClock {
    /// Microseconds since an arbitrary point (boot, on Linux).
    public static func microseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}
