import IPAddress
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The VPC resolver's per-interface packet limit (AWS-DNS-RULES 7.1): a token bucket per source
/// address; packets over the rate are dropped silently.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var stamp: Double
    }

    let packetsPerSecond: Double
    private let buckets = Mutex<[IPAddress: Bucket]>([:])
    /// Buckets kept before those idle for a second are swept.
    private static let maxSources = 65_536

    /// Nil when the limit is off (0).
    init?(packetsPerSecond: Int) {
        guard packetsPerSecond > 0 else { return nil }
        self.packetsPerSecond = Double(packetsPerSecond)
    }

    /// Whether one more packet from `source` is within its rate.
    func admit(_ source: IPAddress) -> Bool {
        let now = Self.monotonicSeconds()
        return buckets.withLock { buckets in
            var bucket = buckets[source] ?? Bucket(tokens: packetsPerSecond, stamp: now)
            bucket.tokens = min(packetsPerSecond, bucket.tokens + (now - bucket.stamp) * packetsPerSecond)
            bucket.stamp = now
            let admitted = bucket.tokens >= 1
            if admitted { bucket.tokens -= 1 }
            if buckets.count >= Self.maxSources { buckets = buckets.filter { now - $0.value.stamp < 1 } }
            buckets[source] = bucket
            return admitted
        }
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
