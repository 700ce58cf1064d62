import Synchronization

/// One cache shard and the `Mutex` that guards it. A class, so the cache can keep its shards in
/// an array (a `Mutex` cannot be copied into one), and the shard sits beside the mutex rather
/// than inside it because a shard holds entries that are not `Sendable` (see `CacheEntry`),
/// which `Mutex`'s own state must be.
///
/// The shard lives behind a pointer this object owns rather than in a stored property: every
/// `inout` access to a class's stored property pays a dynamic exclusivity check, and the mutex
/// already makes each access exclusive.
final class LockedShard: @unchecked Sendable {
    // @unchecked Sendable: `shard` is read and written only inside `withLock`, under `mutex`.
    private let mutex = Mutex(())
    private let shard: UnsafeMutablePointer<CacheShard>

    init(_ shard: CacheShard) {
        self.shard = .allocate(capacity: 1)
        self.shard.initialize(to: shard)
    }

    deinit {
        shard.deinitialize(count: 1)
        shard.deallocate()
    }

    /// Runs `body` with exclusive access to the shard. `body` must not call back into the cache.
    @inline(__always)
    func withLock<Result>(_ body: (inout CacheShard) -> Result) -> Result {
        mutex.withLock { _ in body(&shard.pointee) }
    }
}
