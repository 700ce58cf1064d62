import IPAddress

extension UpstreamChannel {
    /// Prepares an exact answer for c-ares 1.18 in place and keeps the original when it must be
    /// changed, to be restored in the completion:
    /// - SERVFAIL or REFUSED from a server that is not the last: marked REFUSED, so c-ares skips to
    ///   the next server at once; should every server fail, the last such answer is relayed.
    /// - any other SERVFAIL, REFUSED, FORMERR, NOTIMP: marked NOERROR, so c-ares ends the query with
    ///   it as it is. (With ARES_FLAG_EDNS, 1.18 answers SERVFAIL, FORMERR and NOTIMP by cutting the
    ///   last 11 bytes off the query, resending it, and turning EDNS off for the whole channel.)
    /// Truncated answers are left alone: c-ares asks again over TCP.
    func steer(_ answer: UnsafeMutableRawBufferPointer, from peer: SocketAddress) {
        guard answer.count >= UpstreamWire.headerSize, !UpstreamWire.isTruncated(UnsafeRawBufferPointer(answer)),
              answer.count <= Int(Self.largestUDPAnswer),
              let flags = steeredFlags(id: UpstreamWire.id(UnsafeRawBufferPointer(answer)), flags: answer[3], from: peer)
        else { return }
        outstanding[UpstreamWire.id(UnsafeRawBufferPointer(answer))]?.heldAnswer = Array(UnsafeRawBufferPointer(answer))
        answer[3] = flags
    }

    /// The 4th header byte (RA, Z, AD, CD, RCODE) c-ares should see for an answer to query `id`
    /// from `peer` whose byte is `flags`; nil to leave it (see `steer`).
    func steeredFlags(id: UInt16, flags: UInt8, from peer: SocketAddress) -> UInt8? {
        let rcode = flags & 0x0f
        let tryNext = rcode == UpstreamWire.rcodeServFail || rcode == UpstreamWire.rcodeRefused
        guard tryNext || rcode == UpstreamWire.rcodeFormErr || rcode == UpstreamWire.rcodeNotImp,
              outstanding[id] != nil else { return nil }
        let isLastServer = configuration.servers.last == peer
        return flags & 0xf0 | (tryNext && !isLastServer ? UpstreamWire.rcodeRefused : 0)
    }

    /// `steer` for TCP, as the bytes stream by: c-ares 1.18 reads the 2-byte length, then exactly
    /// that many bytes (in one or more reads), so `watch` follows each message; the 4th byte is
    /// marked as it passes and the original message held once complete.
    func steerStream(_ watch: SocketWatch, chunk: UnsafeMutableRawBufferPointer) {
        guard let peer = watch.streamPeer else { return }
        for index in chunk.indices {
            if watch.streamLength == nil {
                watch.streamMessage.append(chunk[index])
                if watch.streamMessage.count == 2 {
                    watch.streamLength = Int(watch.streamMessage[0]) << 8 | Int(watch.streamMessage[1])
                    watch.streamMessage.removeAll(keepingCapacity: true)
                    watch.streamMarked = false
                }
                continue
            }
            watch.streamMessage.append(chunk[index])
            if watch.streamMessage.count == 4 {
                let id = UInt16(watch.streamMessage[0]) << 8 | UInt16(watch.streamMessage[1])
                if let flags = steeredFlags(id: id, flags: chunk[index], from: peer) {
                    chunk[index] = flags
                    watch.streamMarked = true
                }
            }
            if watch.streamMessage.count == watch.streamLength {
                if watch.streamMarked, let context = outstanding[watch.streamMessage.withUnsafeBytes { UpstreamWire.id($0) }] {
                    context.heldAnswer = watch.streamMessage
                }
                watch.streamLength = nil
                watch.streamMessage.removeAll(keepingCapacity: false)
            }
        }
    }
}
