// libFuzzer entry point for the zone-file parser: any bytes must parse or be refused with errors,
// never trap; an accepted zone must encode every record (no RDATA the wire cannot carry), and its
// master-file text must read back to the same records.
// Built by scripts/fuzz.sh together with Sources/IPAddress, DNSWire, RegularFiles and DNSZone.

import DNSWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParseZone(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // No include root: $INCLUDE is refused, so the fuzzer never reads files.
    guard let zone = try? ZoneFile.parse(bytes: bytes, file: "fuzz.zone", origin: "example.com.", includeRoot: nil,
                                         requireNS: false) else { return 0 }
    for record in zone.records {
        let message = Message(header: Header(id: 1), questions: [Question(name: record.name, type: record.type)],
                              answers: [record])
        guard (try? message.encode()) != nil else { fatalError("an accepted record does not encode: \(record)") }
    }
    guard let again = try? ZoneFile.parse(text: zone.zoneFileText, file: "again.zone", origin: zone.origin,
                                          includeRoot: nil, requireNS: false)
    else { fatalError("the zone's own text is refused:\n\(zone.zoneFileText)") }
    guard again.records == zone.records else { fatalError("zone text did not read back to the same records") }
    return 0
}
