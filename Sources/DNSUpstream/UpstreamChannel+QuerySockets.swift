internal import CCAres
import Dispatch
import IPAddress
#if canImport(Glibc)
import Glibc
#endif

/// One UDP socket carrying one upstream query, bound to a random port: c-ares 1.18 sends every
/// query to a server from one socket, so an off-path forger would only need to guess the 16-bit
/// ID. Each query leaves from its own port instead (about 16 more bits, as unbound does), and
/// only the exact answer to it (address, port, ID, question with its letters' case) is handed on
/// to c-ares, through the socket c-ares opened for the server (the anchor).
///
/// Query sockets are watched by the channel's own epoll set (`QueryPoll`), not by a Dispatch
/// source each: registering is one `epoll_ctl`, closing is `close`, with no Dispatch manager
/// round trip and no cancel handler to wait for.
final class QuerySocket {
    let descriptor: Int32
    /// The anchor (c-ares's socket for the server) this query was sent through.
    let anchorToken: UInt64
    let upstreamID: UInt16
    var isOpen = true

    init(descriptor: Int32, anchorToken: UInt64, upstreamID: UInt16) {
        self.descriptor = descriptor
        self.anchorToken = anchorToken
        self.upstreamID = upstreamID
    }
}

extension UpstreamChannel {
    /// Lowest port a query socket binds to; 1024...65535 as unbound's `outgoing-port-permit`.
    static let lowestQueryPort: UInt16 = 1024

    /// A non-blocking UDP socket of `family` bound to a random port (a few tries, then any port
    /// the kernel picks); -1 when none can be opened (e.g. EMFILE).
    static func openRandomPortSocket(family: Int32) -> Int32 {
        let descriptor = socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return -1 }
        let any: IPAddress = family == AF_INET6 ? .v6(IPv6Address("::")!) : .v4(IPv4Address(0, 0, 0, 0))
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<16 {
            let port = UInt16.random(in: lowestQueryPort ... .max, using: &generator)
            let bound = SocketAddress(ip: any, port: port).withSockAddr { bind(descriptor, $0, $1) }
            if bound == 0 { return descriptor }
            guard errno == EADDRINUSE || errno == EACCES else { break }
        }
        // Unbound sockets get an ephemeral port at the first send.
        return descriptor
    }

    /// Sends one UDP query from a fresh query socket; nil when none could be opened (the caller
    /// then sends from the anchor itself, as c-ares would).
    func sendFromQuerySocket(_ anchor: SocketWatch, peer: SocketAddress, vectors: UnsafePointer<iovec>, count: Int32) -> ares_ssize_t? {
        var datagram: [UInt8] = []
        for index in 0..<Int(count) {
            let vector = vectors[index]
            if let base = vector.iov_base {
                datagram += UnsafeRawBufferPointer(start: base, count: vector.iov_len)
            }
        }
        guard datagram.count >= UpstreamWire.headerSize else { return nil }
        let upstreamID = datagram.withUnsafeBytes { UpstreamWire.id($0) }
        let descriptor = Self.openRandomPortSocket(family: peer.ip.isIPv4 ? AF_INET : AF_INET6)
        guard descriptor >= 0 else {
            statistics.sharedPortSends += 1
            return nil
        }
        let sent = datagram.withUnsafeBytes { bytes in
            peer.withSockAddr { address, length in
                sendto(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), address, length)
            }
        }
        guard sent >= 0 else {
            let sendError = errno
            close(descriptor)
            errno = sendError
            return -1
        }
        guard queryPoll.watch(descriptor) else {
            close(descriptor)
            statistics.sharedPortSends += 1
            return nil
        }
        let querySocket = QuerySocket(descriptor: descriptor, anchorToken: anchor.token, upstreamID: upstreamID)
        // Earlier tries' sockets stay open until the query ends: a slow server's late answer to
        // the first try is as good as the answer to the retry.
        querySockets[upstreamID, default: []].append(querySocket)
        querySocketsByDescriptor[descriptor] = querySocket
        statistics.querySocketsOpened += 1
        return sent
    }

    /// The epoll set has ready query sockets: reads each.
    func queryPollReady() {
        queryPoll.forEachReady { descriptor in
            if let querySocket = querySocketsByDescriptor[descriptor] { querySocketReadable(querySocket) }
        }
    }

    /// Reads the query socket's datagrams: the first that is the exact answer goes to the anchor's
    /// inbox and c-ares reads it from there; anything else is dropped and counted.
    private func querySocketReadable(_ querySocket: QuerySocket) {
        guard querySocket.isOpen, let anchor = watches[querySocket.anchorToken], !anchor.closeRequested,
              let peer = anchor.datagramPeer else {
            closeQuerySocket(querySocket)
            return
        }
        let buffer = receiveBuffer
        while true {
            var storage = sockaddr_storage()
            var storageLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let count = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(querySocket.descriptor, buffer.baseAddress, buffer.count, 0, $0, &storageLength)
                }
            }
            guard count >= 0 else { return }
            let datagram = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            guard withUnsafeBytes(of: &storage, { SocketAddress(storage: $0.baseAddress!) }) == peer,
                  isExactAnswer(datagram) else {
                statistics.strayDatagrams += 1
                counters.rejected()
                continue
            }
            anchor.inbox.append(Array(datagram))
            closeQuerySocket(querySocket)
            let descriptor = anchor.descriptor
            withAres { ares_process_fd($0, descriptor, ARES_SOCKET_BAD) }
            return
        }
    }

    /// Whether `datagram` answers an outstanding query: its ID, QR set, and its question section
    /// byte for byte as sent (so with the case pattern of the query name).
    func isExactAnswer(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= UpstreamWire.headerSize, let context = outstanding[UpstreamWire.id(bytes)] else { return false }
        return UpstreamWire.matches(bytes, id: context.upstreamID, question: context.upstreamQuestion)
    }

    func closeQuerySocket(_ querySocket: QuerySocket) {
        guard querySocket.isOpen else { return }
        querySocket.isOpen = false
        // Closing also takes it out of the epoll set.
        close(querySocket.descriptor)
        querySocketsByDescriptor[querySocket.descriptor] = nil
        if var sockets = querySockets[querySocket.upstreamID] {
            sockets.removeAll { $0 === querySocket }
            querySockets[querySocket.upstreamID] = sockets.isEmpty ? nil : sockets
        }
    }

    /// Closes the query sockets of a query c-ares finished.
    func closeQuerySockets(of upstreamID: UInt16) {
        guard let sockets = querySockets.removeValue(forKey: upstreamID) else { return }
        for querySocket in sockets { closeQuerySocket(querySocket) }
    }

    /// Closes the query sockets sent through an anchor c-ares closes.
    func closeQuerySockets(through anchor: SocketWatch) {
        let affected = querySockets.values.flatMap { $0.filter { $0.anchorToken == anchor.token } }
        for querySocket in affected { closeQuerySocket(querySocket) }
    }

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
                if watch.streamMarked, let context = outstanding[UpstreamWire.id(UnsafeRawBufferPointer(start: watch.streamMessage, count: 2))] {
                    context.heldAnswer = watch.streamMessage
                }
                watch.streamLength = nil
                watch.streamMessage.removeAll(keepingCapacity: false)
            }
        }
    }
}

/// An epoll set of query sockets, itself watched by one Dispatch read source on the channel's
/// queue (an epoll descriptor is readable while any socket in it is).
final class QueryPoll {
    let descriptor: Int32

    init() {
        descriptor = epoll_create1(Int32(EPOLL_CLOEXEC))
    }

    /// Adds a socket, level-triggered for reading; false when epoll refuses it.
    func watch(_ socket: Int32) -> Bool {
        guard descriptor >= 0 else { return false }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = socket
        return epoll_ctl(descriptor, EPOLL_CTL_ADD, socket, &event) == 0
    }

    /// Calls `body` with each ready socket, without waiting, until none is ready.
    func forEachReady(_ body: (Int32) -> Void) {
        guard descriptor >= 0 else { return }
        var events = [epoll_event](repeating: epoll_event(), count: 64)
        while true {
            let count = events.withUnsafeMutableBufferPointer { epoll_wait(descriptor, $0.baseAddress, 64, 0) }
            guard count > 0 else { return }
            for index in 0..<Int(count) { body(events[index].data.fd) }
            if count < 64 { return }
        }
    }
}
