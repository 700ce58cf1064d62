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
    /// byte for byte as sent (so with the case pattern of the query name), or, when the channel
    /// does not randomize case, as sent but for the letters' case.
    func isExactAnswer(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= UpstreamWire.headerSize, let context = outstanding[UpstreamWire.id(bytes)] else { return false }
        return UpstreamWire.matches(bytes, id: context.upstreamID, question: context.upstreamQuestion,
                                    caseSensitive: configuration.randomizesCase)
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
}
