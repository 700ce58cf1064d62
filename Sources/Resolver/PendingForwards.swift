import Synchronization

/// Counts forwarded client queries waiting for an upstream answer against a limit, and the ones
/// turned away because the limit was reached. One per upstream set (kept with its channel across
/// reloads) and one for the whole engine. Lock-free: a relaxed atomic add per query.
public final class PendingForwards: Sendable {
    private let current = Atomic<Int>(0)
    private let refused = Atomic<Int>(0)

    public init() {}

    /// Queries waiting now.
    public var count: Int { current.load(ordering: .relaxed) }
    /// Queries answered without asking upstream because the limit was reached, since start.
    public var dropped: Int { refused.load(ordering: .relaxed) }

    /// Takes one place if fewer than `limit` are taken; counts a drop otherwise.
    func reserve(limit: Int) -> Bool {
        if current.add(1, ordering: .relaxed).newValue <= limit { return true }
        current.subtract(1, ordering: .relaxed)
        refused.add(1, ordering: .relaxed)
        return false
    }

    /// Gives a place back.
    func release() {
        current.subtract(1, ordering: .relaxed)
    }
}
