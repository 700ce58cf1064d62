import DNSCache

/// Builds the answer cache from the `cache:` config values. (The cache and the config both name
/// a type `CacheSettings`, so this file imports only the cache's.)
enum CacheFactory {
    static func make(maxEntries: Int, maxMemoryMiB: Int, minTTL: Int, maxTTL: Int, maxNegativeTTL: Int,
                     serveStale: Bool, staleAnswerTTL: Int, maxStaleAge: Int) -> DNSCache {
        DNSCache(settings: CacheSettings(maxEntries: maxEntries, maxBytes: maxMemoryMiB << 20, minTTL: UInt32(minTTL),
                                         maxTTL: UInt32(maxTTL), maxNegativeTTL: UInt32(maxNegativeTTL),
                                         serveStale: serveStale, staleAnswerTTL: UInt32(staleAnswerTTL),
                                         maxStaleAge: UInt32(maxStaleAge)))
    }
}
