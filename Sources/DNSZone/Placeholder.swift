// DNSZone
