import Synchronization

/// Queries waiting for the same upstream answer, so that concurrent identical cache misses go
/// upstream once.
///
/// Usage: on a miss, `join(key, waiter)`; if it returns true the caller is first and must send
/// the query upstream; when the answer (or the failure) arrives, `complete(key)` hands back
/// every waiter, the first one included, each to be answered. A waiter that joins after
/// `complete` starts a new round.
public final class InflightTable<Key: Hashable & Sendable, Waiter: Sendable>: Sendable {
    /// Key to waiters in arrival order; its mutex is the table's only lock.
    private let pending: Mutex<[Key: [Waiter]]>

    public init() {
        pending = Mutex([:])
    }

    /// Adds `waiter` for `key`. Returns true when no query for `key` was in flight: the caller
    /// must then send it upstream and later call `complete(key)`.
    public func join(_ key: Key, _ waiter: Waiter) -> Bool {
        pending.withLock { table in
            if table[key] != nil {
                table[key]!.append(waiter)
                return false
            }
            table[key] = [waiter]
            return true
        }
    }

    /// Ends the round for `key` and returns its waiters in arrival order (empty if none).
    public func complete(_ key: Key) -> [Waiter] {
        pending.withLock { $0.removeValue(forKey: key) ?? [] }
    }

    /// Ends every round and returns all waiters, by key (a stop answers them all).
    public func completeAll() -> [(key: Key, waiters: [Waiter])] {
        pending.withLock { table in
            defer { table.removeAll() }
            return table.map { (key: $0.key, waiters: $0.value) }
        }
    }

    /// Waiters queued for `key`.
    public func waiterCount(for key: Key) -> Int {
        pending.withLock { $0[key]?.count ?? 0 }
    }

    /// Keys with a query in flight.
    public var count: Int { pending.withLock { $0.count } }
}
