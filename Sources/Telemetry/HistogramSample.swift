/// A histogram another part of vpcdns keeps itself (per-bucket counts in atomics), read at
/// scrape time and written out in Prometheus's histogram form after the registry's metrics.
public struct HistogramSample: Sendable {
    public var family: Sample.Family
    public var labels: [(String, String)]
    /// Upper bounds of the buckets, ascending; a last, unbounded bucket follows.
    public var bounds: [Double]
    /// Observations per bucket, not cumulative: `bounds.count + 1` of them.
    public var counts: [Int]
    public var sum: Double

    public init(_ family: Sample.Family, labels: [(String, String)], bounds: [Double], counts: [Int], sum: Double) {
        self.family = family
        self.labels = labels
        self.bounds = bounds
        self.counts = counts
        self.sum = sum
    }

    /// The `_bucket` (cumulative, `le`), `_sum` and `_count` lines.
    func lines() -> [String] {
        let name = family.fullName
        let base = labels.map { "\($0.0)=\"\(Self.escaped($0.1))\"" }
        func series(_ suffix: String, _ extra: [String] = []) -> String {
            let all = base + extra
            return name + suffix + (all.isEmpty ? "" : "{" + all.joined(separator: ",") + "}")
        }
        var result: [String] = []
        var running = 0
        for (index, count) in counts.enumerated() {
            running += count
            let bound = index < bounds.count ? "\(bounds[index])" : "+Inf"
            result.append("\(series("_bucket", ["le=\"\(bound)\""])) \(running)")
        }
        result.append("\(series("_sum")) \(sum)")
        result.append("\(series("_count")) \(running)")
        return result
    }

    static func escaped(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}

/// Something that reports histograms at scrape time.
public typealias HistogramSource = @Sendable () -> [HistogramSample]

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
