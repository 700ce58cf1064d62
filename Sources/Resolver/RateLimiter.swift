import IPAddress

#if canImport(Glibc)
import Glibc
#endif

/// The VPC resolver's per-interface packet limit (AWS-DNS-RULES 7.1): a token bucket per source
/// address; packets over the rate are dropped silently. Not thread-safe: the engine holds it in a mutex.
struct RateLimiter {
    let packetsPerSecond: Double
    private var buckets: [IPAddress: (tokens: Double, stamp: Double)] = [:]
    /// Buckets kept before idle ones are swept.
    private let maxSources = 65_536

    /// Nil when the limit is off (0).
    init?(packetsPerSecond: Int) {
        guard packetsPerSecond > 0 else { return nil }
        self.packetsPerSecond = Double(packetsPerSecond)
    }

    /// Whether one more packet from `source` is within its rate.
    mutating func admit(_ source: IPAddress) -> Bool {
        let now = Self.monotonicSeconds()
        var bucket = buckets[source] ?? (packetsPerSecond, now)
        bucket.tokens = min(packetsPerSecond, bucket.tokens + (now - bucket.stamp) * packetsPerSecond)
        bucket.stamp = now
        let admitted = bucket.tokens >= 1
        if admitted { bucket.tokens -= 1 }
        if buckets.count >= maxSources { buckets = buckets.filter { now - $0.value.stamp < 1 } }
        buckets[source] = bucket
        return admitted
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
