// libFuzzer entry point for the config loader: any bytes must load or be refused with located
// errors, never trap or hang (duplicate keys, aliases and deep nesting included).
// Built by scripts/fuzz.sh together with Sources/IPAddress, RegularFiles, VPCConfig and Yams.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLoadConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let text = try? ConfigLoader.decodeUTF8(bytes, file: "fuzz.yaml") else { return 0 }
    do {
        _ = try ConfigLoader.parse(yaml: text, file: "fuzz.yaml", baseDirectory: "/nonexistent")
    } catch {
        guard !error.errors.isEmpty else { fatalError("refused without an error") }
    }
    return 0
}
