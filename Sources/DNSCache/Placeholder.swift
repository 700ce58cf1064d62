// DNSCache
