// libFuzzer entry point for the DNSWire decoder: any input must decode or throw, never trap, and
// whatever decodes must survive encode -> decode unchanged, and presentation output must not trap.
// Built by scripts/fuzz.sh together with Sources/IPAddress and Sources/DNSWire.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecodeMessage(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    _ = HeaderPeek(bytes)
    guard let message = try? Message(wire: bytes) else { return 0 }
    // A decoded message always fits the wire again: its fields came from wire length fields.
    guard let encoded = try? message.encode() else { fatalError("a decoded message does not encode") }
    guard let again = try? Message(wire: encoded) else { fatalError("re-encoded message does not decode") }
    guard again == message else { fatalError("decode -> encode -> decode changed the message") }
    for record in message.answers + message.authorities + message.additionals {
        _ = record.description
    }
    for maxSize in [512, 1232] {
        guard let truncated = try? message.encode(maxSize: maxSize) else { fatalError("encode(maxSize:) failed") }
        if truncated.count > max(maxSize, 12 + (message.edns.map { _ in 11 } ?? 0)) {
            let withoutSections = try! Message(header: message.header, questions: message.questions, edns: message.edns).encode()
            guard truncated.count <= withoutSections.count else { fatalError("encode(maxSize:) exceeded its limit") }
        }
    }
    return 0
}
