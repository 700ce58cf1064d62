// DNSUpstream
