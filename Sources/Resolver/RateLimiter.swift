import IPAddress
import Platform
import Synchronization

/// The VPC resolver's per-interface packet limit (AWS-DNS-RULES 7.1): a token bucket per source
/// address; packets over the rate are dropped silently.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var stamp: Double
    }

    let packetsPerSecond: Double
    private let table = Mutex(Table())
    /// Buckets kept at most; when full, those idle for a second are swept, at most once a second.
    private static let maxSources = 65_536

    private struct Table {
        var buckets: [IPAddress: Bucket] = [:]
        var lastSweep: Double = 0
    }

    /// Nil when the limit is off (0).
    init?(packetsPerSecond: Int) {
        guard packetsPerSecond > 0 else { return nil }
        self.packetsPerSecond = Double(packetsPerSecond)
    }

    /// Whether one more packet from `source` is within its rate. A new source arriving while the
    /// table is full (and was swept less than a second ago) is dropped: a flood of spoofed
    /// sources costs one probe per packet, never a sweep per packet.
    func admit(_ source: IPAddress) -> Bool {
        let now = MonotonicClock.seconds()
        return table.withLock { table in
            if let index = table.buckets.index(forKey: source) {
                return Self.take(&table.buckets.values[index], now: now, rate: packetsPerSecond)
            }
            if table.buckets.count >= Self.maxSources {
                guard now - table.lastSweep >= 1 else { return false }
                table.lastSweep = now
                table.buckets = table.buckets.filter { now - $0.value.stamp < 1 }
                guard table.buckets.count < Self.maxSources else { return false }
            }
            var bucket = Bucket(tokens: packetsPerSecond, stamp: now)
            let admitted = Self.take(&bucket, now: now, rate: packetsPerSecond)
            table.buckets[source] = bucket
            return admitted
        }
    }

    /// Refills `bucket` for the time since its last packet and takes one token if there is one.
    private static func take(_ bucket: inout Bucket, now: Double, rate: Double) -> Bool {
        bucket.tokens = min(rate, bucket.tokens + (now - bucket.stamp) * rate)
        bucket.stamp = now
        guard bucket.tokens >= 1 else { return false }
        bucket.tokens -= 1
        return true
    }
}
