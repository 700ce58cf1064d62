import Synchronization

/// One cache shard and the `Mutex` that guards it. A class, so the cache can keep its shards in
/// an array (a `Mutex` cannot be copied into one), and the shard sits beside the mutex rather
/// than inside it because a shard holds entries that are not `Sendable` (see `CacheEntry`),
/// which `Mutex`'s own state must be.
final class LockedShard: @unchecked Sendable {
    // @unchecked Sendable: `shard` is read and written only inside `withLock`, under `mutex`.
    private let mutex = Mutex(())
    private var shard: CacheShard

    init(_ shard: CacheShard) {
        self.shard = shard
    }

    /// Runs `body` with exclusive access to the shard. `body` must not call back into the cache.
    @inline(__always)
    func withLock<Result>(_ body: (inout CacheShard) -> Result) -> Result {
        mutex.withLock { _ in body(&shard) }
    }
}
