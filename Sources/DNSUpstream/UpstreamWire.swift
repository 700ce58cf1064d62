/// The few raw-wire facts the channel needs about queries and answers, read without decoding.
enum UpstreamWire {
    static let headerSize = 12
    static let rcodeFormErr: UInt8 = 1
    static let rcodeServFail: UInt8 = 2
    static let rcodeNotImp: UInt8 = 4
    static let rcodeRefused: UInt8 = 5

    /// The end of the first question (past QTYPE and QCLASS) of a message with QDCOUNT 1 and an
    /// uncompressed name; nil otherwise.
    static func questionEnd(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= headerSize, bytes[4] == 0, bytes[5] == 1 else { return nil }
        var offset = headerSize
        while offset < bytes.count {
            let length = Int(bytes[offset])
            offset += 1
            if length == 0 {
                return offset + 4 <= bytes.count ? offset + 4 : nil
            }
            guard length < 64 else { return nil }
            offset += length
        }
        return nil
    }

    /// Flips the case of each ASCII letter of the question name at random (draft-vixie-dnsext-dns0x20):
    /// an answer must echo the exact pattern, which an off-path forger has to guess, one bit a letter.
    static func randomizeCase(_ bytes: inout [UInt8], questionEnd: Int, using generator: inout some RandomNumberGenerator) {
        var bits = generator.next()
        var used = 0
        var offset = headerSize
        while offset < questionEnd - 4 {
            let length = Int(bytes[offset])
            offset += 1
            for index in offset..<(offset + length) {
                let byte = bytes[index] | 0x20
                guard byte >= UInt8(ascii: "a"), byte <= UInt8(ascii: "z") else { continue }
                if used == 64 {
                    bits = generator.next()
                    used = 0
                }
                bytes[index] = bits & 1 == 0 ? byte : byte & ~0x20
                bits >>= 1
                used += 1
            }
            offset += length
        }
    }

    /// Whether `answer` is a response to the query with `id` whose question section (header end
    /// to question end) was `question`, byte for byte: the letters' case included unless
    /// `caseSensitive` is false.
    static func matches(_ answer: UnsafeRawBufferPointer, id: UInt16, question: [UInt8], caseSensitive: Bool = true) -> Bool {
        guard answer.count >= headerSize + question.count,
              answer.bigEndianUInt16(at: 0) == id,
              answer[2] & 0x80 != 0, answer[4] == 0, answer[5] == 1 else { return false }
        if caseSensitive {
            return question.withUnsafeBytes { expected in
                memcmp(expected.baseAddress!, answer.baseAddress! + headerSize, question.count) == 0
            }
        }
        // The name's bytes compared with A-Z folded (label lengths are below 64, never a letter);
        // QTYPE and QCLASS (the last 4 bytes) exactly.
        let nameEnd = question.count - 4
        return question.indices.allSatisfy { index in
            let expected = question[index], received = answer[headerSize + index]
            return index < nameEnd ? lowercased(expected) == lowercased(received) : expected == received
        }
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte &- 65 < 26 ? byte | 0x20 : byte
    }

    static func id(_ bytes: UnsafeRawBufferPointer) -> UInt16 {
        bytes.bigEndianUInt16(at: 0)
    }

    static func rcode(_ bytes: UnsafeRawBufferPointer) -> UInt8 { bytes[3] & 0x0f }

    static func isTruncated(_ bytes: UnsafeRawBufferPointer) -> Bool { bytes[2] & 0x02 != 0 }
}

#if canImport(Glibc)
import Glibc
#endif
import Platform
