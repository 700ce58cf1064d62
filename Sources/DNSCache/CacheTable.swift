/// The cache's mutable state: a hash index into slots, with CLOCK (second-chance) eviction.
///
/// CLOCK instead of exact LRU: a hit only sets a bit in its slot, no list to relink, and the
/// hand that evicts also drops expired entries it passes. New entries start unreferenced, so
/// a burst of names asked once (a scan) is evicted before entries that were hit.
/// Only ever touched under `DNSCache`'s lock.
struct CacheTable {
    struct Slot {
        var key: CacheKey?
        var entry: CachedResponse?
        var referenced = false
    }

    private(set) var index: [CacheKey: Int] = [:]
    private var slots: [Slot] = []
    private var freeSlots: [Int] = []
    private var hand = 0
    private(set) var statistics = CacheStatistics()
    let settings: CacheSettings

    init(settings: CacheSettings) {
        self.settings = settings
    }

    /// The live entry for `key`, marked as used; an expired one is removed.
    mutating func lookup(_ key: CacheKey, now: UInt64) -> CachedResponse? {
        guard let slot = index[key], let entry = slots[slot].entry else {
            statistics.misses += 1
            return nil
        }
        guard now < entry.expiresAt else {
            remove(slot)
            statistics.expired += 1
            statistics.misses += 1
            return nil
        }
        if !slots[slot].referenced { slots[slot].referenced = true }
        statistics.hits += 1
        return entry
    }

    /// Counts a lookup that could not be answered before reaching the table.
    mutating func countMiss() { statistics.misses += 1 }

    mutating func countUncacheable() { statistics.uncacheable += 1 }

    /// Adds or replaces the entry for `key`, evicting others first to respect both bounds.
    mutating func insert(_ entry: CachedResponse, for key: CacheKey, now: UInt64) {
        if let slot = index[key] {
            remove(slot)
            statistics.updates += 1
        } else {
            statistics.inserts += 1
        }
        while !index.isEmpty, index.count >= settings.maxEntries || statistics.bytes + entry.cost > settings.maxBytes {
            evictOne(now: now)
        }
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            slots[slot] = Slot(key: key, entry: entry)
        } else {
            slot = slots.count
            slots.append(Slot(key: key, entry: entry))
        }
        index[key] = slot
        statistics.bytes += entry.cost
    }

    /// Advances the hand to the first entry that is expired or was not used since the hand last
    /// passed, clearing use bits on the way, and removes it. Needs at least one entry; ends
    /// within two turns of the clock.
    private mutating func evictOne(now: UInt64) {
        while true {
            if hand >= slots.count { hand = 0 }
            let slot = hand
            hand += 1
            guard let entry = slots[slot].entry else { continue }
            if now >= entry.expiresAt {
                remove(slot)
                statistics.expired += 1
                return
            }
            if slots[slot].referenced {
                slots[slot].referenced = false
                continue
            }
            remove(slot)
            statistics.evictions += 1
            return
        }
    }

    private mutating func remove(_ slot: Int) {
        guard let key = slots[slot].key, let entry = slots[slot].entry else { return }
        index.removeValue(forKey: key)
        statistics.bytes -= entry.cost
        slots[slot] = Slot()
        freeSlots.append(slot)
    }

    /// Drops entries whose key fails `keep`.
    mutating func retain(where keep: (CacheKey) -> Bool) {
        for slot in slots.indices {
            if let key = slots[slot].key, !keep(key) {
                remove(slot)
                statistics.removed += 1
            }
        }
    }

    /// Drops every expired entry.
    mutating func removeExpired(now: UInt64) {
        for slot in slots.indices {
            if let entry = slots[slot].entry, now >= entry.expiresAt {
                remove(slot)
                statistics.expired += 1
            }
        }
    }

    mutating func removeAll() {
        statistics.removed += UInt64(index.count)
        statistics.bytes = 0
        index = [:]
        slots = []
        freeSlots = []
        hand = 0
    }

    var snapshot: CacheStatistics {
        var result = statistics
        result.entries = index.count
        return result
    }

    /// The entries not yet expired, unordered.
    func liveEntries(now: UInt64) -> [(CacheKey, CachedResponse)] {
        index.compactMap { key, slot in slots[slot].entry.flatMap { now < $0.expiresAt ? (key, $0) : nil } }
    }
}
