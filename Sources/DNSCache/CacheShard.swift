/// One shard of the cache: a ring of entries swept by a CLOCK hand, indexed by an open-addressing
/// hash table of ring positions. Only ever touched under its own lock in `DNSCache`.
///
/// CLOCK instead of exact LRU: a hit only sets a bit in its ring slot, no list to relink, and the
/// hand that evicts also drops expired entries it passes (stale ones included, so they go before
/// live ones). New entries start unreferenced, so a burst of names asked once (a scan) is evicted
/// before entries that were hit.
///
/// Memory: an entry is one allocation (`CacheEntry`); the shard adds a 16-byte ring slot, a
/// 4-byte index slot at a load of at most one half and a 4-byte free-list slot once it is
/// reused: `slotBytesPerEntry`, which `CacheEntry.cost` counts.
struct CacheShard {
    static let slotBytesPerEntry = 32

    private struct RingSlot {
        /// The key's hash without its top bit; the top bit is the CLOCK reference bit.
        var word: UInt64 = 0
        var entry: CacheEntry?
    }

    private static let referencedBit: UInt64 = 1 << 63

    private var ring: [RingSlot] = []
    private var freeRing: [Int32] = []
    /// Ring positions by hash, linear probing; -1 is empty. Capacity a power of two.
    private var index: [Int32] = []
    private var hand = 0
    private(set) var statistics = CacheStatistics()
    private let maxEntries: Int
    private let maxBytes: Int
    /// How long past its TTL an entry is kept for serve-stale, in ms; 0 without serve-stale.
    private let staleWindow: UInt64

    init(maxEntries: Int, maxBytes: Int, staleWindow: UInt64) {
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
        self.staleWindow = staleWindow
    }

    // MARK: lookups

    /// The live entry for the key (`hash`, encoded `key`), marked as used. An entry past its TTL
    /// is a miss, and is removed once it is also past the stale window.
    mutating func lookup(hash: UInt64, key: UnsafeRawBufferPointer, now: UInt64) -> CacheEntry? {
        guard let (slot, position) = find(hash: hash, key: key), let entry = ring[position].entry else {
            statistics.misses += 1
            return nil
        }
        guard now < entry.expiresAt else {
            if now >= entry.expiresAt &+ staleWindow {
                remove(slot: slot, position: position)
                statistics.expired += 1
            }
            statistics.misses += 1
            return nil
        }
        ring[position].word |= Self.referencedBit
        statistics.hits += 1
        return entry
    }

    /// The entry for the key, fresh or expired for less than the stale window (RFC 8767), for a
    /// query the upstreams failed to answer; counted as a stale answer when expired.
    mutating func lookupStale(hash: UInt64, key: UnsafeRawBufferPointer, now: UInt64) -> CacheEntry? {
        guard staleWindow > 0, let (_, position) = find(hash: hash, key: key), let entry = ring[position].entry,
              now < entry.expiresAt &+ staleWindow
        else { return nil }
        if now >= entry.expiresAt { statistics.staleAnswers += 1 }
        return entry
    }

    /// Counts a lookup that could not be answered before reaching the table.
    mutating func countMiss() { statistics.misses += 1 }

    mutating func countUncacheable() { statistics.uncacheable += 1 }

    // MARK: changes

    /// Adds or replaces the entry for the key, evicting others first to respect both bounds.
    mutating func insert(_ entry: CacheEntry, hash: UInt64, key: UnsafeRawBufferPointer, now: UInt64) {
        let hash = hash & ~Self.referencedBit
        if let (slot, position) = find(hash: hash, key: key) {
            remove(slot: slot, position: position)
            statistics.updates += 1
        } else {
            statistics.inserts += 1
        }
        let cost = entry.cost
        while statistics.entries > 0, statistics.entries >= maxEntries || statistics.bytes + cost > maxBytes {
            evictOne(now: now)
        }
        if (statistics.entries + 1) * 2 > index.count { rebuildIndex(capacity: max(16, index.count * 2)) }
        let position: Int
        if let free = freeRing.popLast() {
            position = Int(free)
            ring[position] = RingSlot(word: hash, entry: entry)
        } else {
            position = ring.count
            ring.append(RingSlot(word: hash, entry: entry))
        }
        var slot = Int(truncatingIfNeeded: hash) & (index.count - 1)
        while index[slot] >= 0 { slot = (slot + 1) & (index.count - 1) }
        index[slot] = Int32(position)
        statistics.entries += 1
        statistics.bytes += cost
    }

    /// Drops entries whose encoded key fails `keep`.
    mutating func retain(where keep: ([UInt8]) -> Bool) {
        for position in ring.indices {
            guard let entry = ring[position].entry, !keep(entry.keyBytes) else { continue }
            remove(position: position)
            statistics.removed += 1
        }
    }

    /// Drops every entry past its TTL and the stale window.
    mutating func removeExpired(now: UInt64) {
        for position in ring.indices {
            if let entry = ring[position].entry, now >= entry.expiresAt &+ staleWindow {
                remove(position: position)
                statistics.expired += 1
            }
        }
    }

    mutating func removeAll() {
        statistics.removed += UInt64(statistics.entries)
        statistics.entries = 0
        statistics.bytes = 0
        ring = []
        freeRing = []
        index = []
        hand = 0
    }

    /// The entries not yet expired, with their encoded keys, unordered.
    func liveEntries(now: UInt64) -> [(key: [UInt8], entry: CacheEntry)] {
        ring.compactMap { slot in slot.entry.flatMap { now < $0.expiresAt ? ($0.keyBytes, $0) : nil } }
    }

    // MARK: internals

    /// The index slot and ring position of the key, if held.
    private func find(hash: UInt64, key: UnsafeRawBufferPointer) -> (Int, Int)? {
        guard !index.isEmpty else { return nil }
        let hash = hash & ~Self.referencedBit
        let mask = index.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let position = Int(index[slot])
            guard position >= 0 else { return nil }
            if ring[position].word & ~Self.referencedBit == hash, ring[position].entry!.hasKey(key) {
                return (slot, position)
            }
            slot = (slot + 1) & mask
        }
    }

    /// Advances the hand to the first entry that is expired or was not used since the hand last
    /// passed, clearing use bits on the way, and removes it. Needs at least one entry; ends
    /// within two turns of the clock.
    private mutating func evictOne(now: UInt64) {
        while true {
            if hand >= ring.count { hand = 0 }
            let position = hand
            hand += 1
            guard let entry = ring[position].entry else { continue }
            if now >= entry.expiresAt {
                remove(position: position)
                statistics.expired += 1
                return
            }
            if ring[position].word & Self.referencedBit != 0 {
                ring[position].word &= ~Self.referencedBit
                continue
            }
            remove(position: position)
            statistics.evictions += 1
            return
        }
    }

    private mutating func remove(position: Int) {
        let hash = ring[position].word & ~Self.referencedBit
        let mask = index.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while Int(index[slot]) != position { slot = (slot + 1) & mask }
        remove(slot: slot, position: position)
    }

    /// Frees the ring slot and deletes the index slot by shifting later members of its probe run
    /// back (no tombstones).
    private mutating func remove(slot: Int, position: Int) {
        guard let entry = ring[position].entry else { return }
        statistics.entries -= 1
        statistics.bytes -= entry.cost
        ring[position] = RingSlot()
        freeRing.append(Int32(position))
        let mask = index.count - 1
        var hole = slot
        var next = slot
        while true {
            next = (next + 1) & mask
            let member = Int(index[next])
            guard member >= 0 else { break }
            let home = Int(truncatingIfNeeded: ring[member].word & ~Self.referencedBit) & mask
            // The member stays if its home lies cyclically in (hole, next].
            let stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next)
            if stays { continue }
            index[hole] = index[next]
            hole = next
        }
        index[hole] = -1
    }

    private mutating func rebuildIndex(capacity: Int) {
        index = [Int32](repeating: -1, count: capacity)
        let mask = capacity - 1
        for position in ring.indices where ring[position].entry != nil {
            var slot = Int(truncatingIfNeeded: ring[position].word & ~Self.referencedBit) & mask
            while index[slot] >= 0 { slot = (slot + 1) & mask }
            index[slot] = Int32(position)
        }
    }
}
