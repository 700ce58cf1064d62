// DNSWire
