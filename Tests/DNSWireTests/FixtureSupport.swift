import DNSWire

/// Reads a hex fixture from this test target's Fixtures folder.
func fixture(_ name: String, file: String = #filePath) throws -> [UInt8] {
    let folder = file.split(separator: "/").dropLast().joined(separator: "/")
    let text = try readText("/\(folder)/Fixtures/\(name)")
    return hexBytes(text)
}

func hexBytes(_ text: String) -> [UInt8] {
    let digits = Array(text.filter(\.isHexDigit).utf8)
    return stride(from: 0, to: digits.count - 1, by: 2).map { UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)! }
}

struct FixtureMissing: Error { let path: String }

func readText(_ path: String) throws -> String {
    guard let file = fopen(path, "r") else { throw FixtureMissing(path: path) }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count == 0 { break }
        bytes.append(contentsOf: buffer[0..<count])
    }
    return String(decoding: bytes, as: UTF8.self)
}

#if canImport(Glibc)
import Glibc
#endif

/// Decodes a message from bytes or fails the test with the codec's error.
func decode(_ bytes: [UInt8]) throws -> Message { try Message(wire: bytes) }

/// The records of a section in presentation form, sorted, for order-independent comparison.
func presentation(_ records: [ResourceRecord]) -> [String] { records.map(\.description).sorted() }
