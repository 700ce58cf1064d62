import DNSCache

/// Builds the answer cache from the `cache:` config values. (The cache and the config both name
/// a type `CacheSettings`, so this file imports only the cache's.)
enum CacheFactory {
    static func make(maxEntries: Int, minTTL: Int, maxTTL: Int, maxNegativeTTL: Int) -> DNSCache {
        DNSCache(settings: CacheSettings(maxEntries: maxEntries, minTTL: UInt32(minTTL), maxTTL: UInt32(maxTTL),
                                         maxNegativeTTL: UInt32(maxNegativeTTL)))
    }
}
