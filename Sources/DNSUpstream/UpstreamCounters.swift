import Synchronization

/// Running totals of one channel, for metrics. Written on the channel's queue with relaxed
/// atomic adds (no lock), read from anywhere.
public final class UpstreamCounters: Sendable {
    /// Upper bounds, in seconds, of the latency histogram's buckets (a last, unbounded bucket follows).
    public static let latencyBounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

    private let queriesCount = Atomic<Int>(0)
    private let answersCount = Atomic<Int>(0)
    private let timeoutsCount = Atomic<Int>(0)
    private let failuresCount = Atomic<Int>(0)
    private let rejectedCount = Atomic<Int>(0)
    private let latencyMicroseconds = Atomic<Int>(0)
    private let buckets: [Bucket]

    init() {
        buckets = (0...Self.latencyBounds.count).map { _ in Bucket() }
    }

    /// Queries handed to the channel.
    public var queries: Int { queriesCount.load(ordering: .relaxed) }
    /// Queries that completed with answer bytes (any RCODE).
    public var answers: Int { answersCount.load(ordering: .relaxed) }
    /// Queries that no server answered in time.
    public var timeouts: Int { timeoutsCount.load(ordering: .relaxed) }
    /// Queries that failed otherwise (refused connections, malformed answers, shutdown).
    public var failures: Int { failuresCount.load(ordering: .relaxed) }
    /// Datagrams dropped as not the answer to an outstanding query: wrong address or port, ID,
    /// question, or case of the question (forgeries and late duplicates).
    public var rejectedDatagrams: Int { rejectedCount.load(ordering: .relaxed) }
    /// Sum of the completed queries' time from send to completion, in seconds.
    public var latencySum: Double { Double(latencyMicroseconds.load(ordering: .relaxed)) / 1_000_000 }
    /// Completed queries per latency bucket (`latencyBounds`, then the rest); not cumulative.
    public var latencyBuckets: [Int] { buckets.map { $0.count.load(ordering: .relaxed) } }

    func sent() { queriesCount.add(1, ordering: .relaxed) }

    func rejected() { rejectedCount.add(1, ordering: .relaxed) }

    func completed(_ result: Result<[UInt8], UpstreamError>, microseconds: Int) {
        switch result {
        case .success: answersCount.add(1, ordering: .relaxed)
        case .failure(let error) where error.code == .timeout: timeoutsCount.add(1, ordering: .relaxed)
        case .failure: failuresCount.add(1, ordering: .relaxed)
        }
        latencyMicroseconds.add(microseconds, ordering: .relaxed)
        let seconds = Double(microseconds) / 1_000_000
        let index = Self.latencyBounds.firstIndex { seconds <= $0 } ?? Self.latencyBounds.count
        buckets[index].count.add(1, ordering: .relaxed)
    }
}

/// One histogram bucket (atomics cannot be array elements themselves).
private final class Bucket: Sendable {
    let count = Atomic<Int>(0)
}
