internal import CCAres
import Dispatch
import IPAddress
#if canImport(Glibc)
import Glibc
#endif

/// One socket c-ares opened, with the Dispatch sources that watch it.
///
/// Dispatch requires a descriptor to stay open until the cancel handlers of all its sources ran:
/// closed earlier, the number can be reused by c-ares's next socket while a stale source is still
/// registered. So c-ares's `close` only marks the watch, and the last cancel handler closes.
final class SocketWatch {
    let descriptor: ares_socket_t
    /// Distinguishes this socket from a later one with the same descriptor number.
    let token: UInt64
    let isDatagram: Bool
    /// For UDP: the server c-ares "connected" to. The socket itself stays unconnected (see
    /// `connectSocket`), so sends name it and receives drop datagrams from anyone else.
    var datagramPeer: SocketAddress?
    var readSource: DispatchSourceRead?
    var writeSource: DispatchSourceWrite?
    /// Sources created whose cancel handler has not run yet.
    var liveSources = 0
    /// c-ares closed the socket; the descriptor closes when `liveSources` reaches 0.
    var closeRequested = false
    /// For UDP: exact answers that arrived on query sockets, for c-ares to read from this socket.
    var inbox: [[UInt8]] = []
    /// For TCP: the server, and the message being read (see `steerStream`).
    var streamPeer: SocketAddress?
    var streamLength: Int?
    var streamMessage: [UInt8] = []
    var streamMarked = false

    init(descriptor: ares_socket_t, token: UInt64, isDatagram: Bool) {
        self.descriptor = descriptor
        self.token = token
        self.isDatagram = isDatagram
    }
}

extension UpstreamChannel {
    static func makeSocketFunctions() -> ares_socket_functions {
        ares_socket_functions(
            asocket: { domain, type, proto, owner in
                UpstreamChannel.owner(owner).openSocket(domain: domain, type: type, protocol: proto)
            },
            aclose: { socket, owner in
                UpstreamChannel.owner(owner).closeSocket(socket)
            },
            aconnect: { socket, address, length, owner in
                UpstreamChannel.owner(owner).connectSocket(socket, to: address, length: length)
            },
            arecvfrom: { socket, buffer, length, flags, from, fromLength, owner in
                UpstreamChannel.owner(owner).receive(socket, into: buffer, length: length, flags: flags, from: from, fromLength: fromLength)
            },
            asendv: { socket, vectors, count, owner in
                UpstreamChannel.owner(owner).send(socket, vectors: vectors, count: count)
            }
        )
    }

    private static func owner(_ pointer: UnsafeMutableRawPointer?) -> UpstreamChannel {
        Unmanaged<UpstreamChannel>.fromOpaque(pointer!).takeUnretainedValue()
    }

    /// c-ares's `socket`: with user socket functions c-ares configures nothing itself.
    func openSocket(domain: Int32, type: Int32, protocol proto: Int32) -> ares_socket_t {
        let isDatagram = type == Int32(SOCK_DGRAM.rawValue)
        let descriptor = isDatagram ? Self.openRandomPortSocket(family: domain)
                                    : socket(domain, type | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), proto)
        guard descriptor >= 0 else { return ARES_SOCKET_BAD }
        if isDatagram {
            // Answers to queries sent from this socket itself (when no query socket could be
            // opened) come in bursts; best effort, capped by rmem_max.
            var size: Int32 = 4 << 20
            _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        } else {
            var on: Int32 = 1
            _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        }
        nextSocketToken += 1
        let watch = SocketWatch(descriptor: descriptor, token: nextSocketToken, isDatagram: type == Int32(SOCK_DGRAM.rawValue))
        openSockets[descriptor] = watch
        watches[watch.token] = watch
        statistics.socketsOpened += 1
        statistics.descriptorUses[descriptor, default: 0] += 1
        return descriptor
    }

    /// c-ares's `connect`. TCP connects (non-blocking). UDP only remembers the server: a connected
    /// UDP socket receives ICMP errors (port unreachable) as a pending socket error, which epoll
    /// reports as EPOLLERR without EPOLLIN; libdispatch then fires no read source and re-arms the
    /// descriptor in a loop, spinning a core until c-ares's timeout. Unconnected sockets get no
    /// such errors (without IP_RECVERR), and `receive` keeps the connected socket's filter.
    func connectSocket(_ descriptor: ares_socket_t, to address: UnsafePointer<sockaddr>?, length: ares_socklen_t) -> Int32 {
        guard let address else {
            errno = EINVAL
            return -1
        }
        guard let watch = openSockets[descriptor], watch.isDatagram else {
            openSockets[descriptor]?.streamPeer = SocketAddress(storage: address)
            return connect(descriptor, address, length)
        }
        guard let peer = SocketAddress(storage: address) else {
            errno = EAFNOSUPPORT
            return -1
        }
        watch.datagramPeer = peer
        return 0
    }

    /// c-ares's `recvfrom` (and `recv` for TCP, with no address). For UDP, c-ares first gets the
    /// answers query sockets took in, then what came to its own socket; of those only exact answers
    /// from the server (as `isExactAnswer`), the rest is read and dropped. Both are `steer`ed.
    func receive(_ descriptor: ares_socket_t, into buffer: UnsafeMutableRawPointer?, length: Int, flags: Int32,
                 from: UnsafeMutablePointer<sockaddr>?, fromLength: UnsafeMutablePointer<ares_socklen_t>?) -> ares_ssize_t {
        guard let watch = openSockets[descriptor], let peer = watch.datagramPeer else {
            let count = recvfrom(descriptor, buffer, length, flags, from, fromLength)
            if count > 0, let buffer, let watch = openSockets[descriptor] {
                steerStream(watch, chunk: UnsafeMutableRawBufferPointer(start: buffer, count: count))
            }
            return count
        }
        if !watch.inbox.isEmpty, let buffer {
            let datagram = watch.inbox.removeFirst()
            let count = min(length, datagram.count)
            datagram.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: count) }
            steer(UnsafeMutableRawBufferPointer(start: buffer, count: count), from: peer)
            if let from, let fromLength {
                peer.withSockAddr { address, addressLength in
                    let copied = min(Int(fromLength.pointee), Int(addressLength))
                    UnsafeMutableRawPointer(from).copyMemory(from: address, byteCount: copied)
                    fromLength.pointee = addressLength
                }
            }
            return count
        }
        var storage = sockaddr_storage()
        while true {
            var storageLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let count = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(descriptor, buffer, length, flags, $0, &storageLength)
                }
            }
            guard count >= 0 else { return count }  // errno is c-ares's to read
            guard withUnsafeBytes(of: &storage, { SocketAddress(storage: $0.baseAddress!) }) == peer, let buffer,
                  isExactAnswer(UnsafeRawBufferPointer(start: buffer, count: min(count, length))) else {
                statistics.strayDatagrams += 1
                counters.rejected()
                continue
            }
            steer(UnsafeMutableRawBufferPointer(start: buffer, count: min(count, length)), from: peer)
            if let from, let fromLength {
                let copied = min(Int(fromLength.pointee), Int(storageLength))
                withUnsafeBytes(of: &storage) { UnsafeMutableRawPointer(from).copyMemory(from: $0.baseAddress!, byteCount: copied) }
                fromLength.pointee = storageLength
            }
            return count
        }
    }

    /// c-ares's `writev`, as `sendmsg` with MSG_NOSIGNAL (a TCP peer that went away must not raise
    /// SIGPIPE). UDP goes out from a query socket of its own (see `QuerySocket`), or, when none can
    /// be opened, from this socket, naming the server on every datagram (it is not connected).
    func send(_ descriptor: ares_socket_t, vectors: UnsafePointer<iovec>?, count: Int32) -> ares_ssize_t {
        var message = msghdr()
        message.msg_iov = UnsafeMutablePointer(mutating: vectors)
        message.msg_iovlen = Int(count)
        guard let watch = openSockets[descriptor], let peer = watch.datagramPeer else {
            return sendmsg(descriptor, &message, Int32(MSG_NOSIGNAL))
        }
        if let vectors, let sent = sendFromQuerySocket(watch, peer: peer, vectors: vectors, count: count) {
            return sent
        }
        return peer.withSockAddr { address, addressLength in
            message.msg_name = UnsafeMutableRawPointer(mutating: address)
            message.msg_namelen = addressLength
            return sendmsg(descriptor, &message, Int32(MSG_NOSIGNAL))
        }
    }

    /// c-ares's `close`: the descriptor closes once its sources are cancelled (see `SocketWatch`).
    func closeSocket(_ descriptor: ares_socket_t) -> Int32 {
        guard let watch = openSockets.removeValue(forKey: descriptor) else {
            return close(descriptor)
        }
        statistics.socketsClosed += 1
        watch.closeRequested = true
        watch.inbox.removeAll()
        closeQuerySockets(through: watch)
        cancelSources(of: watch)
        closeIfUnwatched(watch)
        return 0
    }

    /// The sock-state callback: c-ares wants to hear when `descriptor` is readable / writable;
    /// (false, false) comes just before it closes the socket.
    func socketStateChanged(_ descriptor: ares_socket_t, readable: Bool, writable: Bool) {
        guard let watch = openSockets[descriptor] else { return }
        if readable, watch.readSource == nil {
            let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: queue)
            watch.readSource = source
            install(source, on: watch, readable: true)
        } else if !readable, let source = watch.readSource {
            watch.readSource = nil
            source.cancel()
        }
        if writable, watch.writeSource == nil {
            let source = DispatchSource.makeWriteSource(fileDescriptor: descriptor, queue: queue)
            watch.writeSource = source
            install(source, on: watch, readable: false)
        } else if !writable, let source = watch.writeSource {
            watch.writeSource = nil
            source.cancel()
        }
    }

    private func install(_ source: some DispatchSourceProtocol, on watch: SocketWatch, readable: Bool) {
        let token = watch.token
        source.setEventHandler { [weak self] in
            self?.socketReady(token: token, readable: readable)
        }
        // Strong on purpose: the channel outlives every source, so the descriptor always gets closed.
        source.setCancelHandler { [self] in
            sourceCancelled(token: token)
        }
        watch.liveSources += 1
        source.activate()
    }

    private func socketReady(token: UInt64, readable: Bool) {
        guard let watch = watches[token], !watch.closeRequested else { return }
        let descriptor = watch.descriptor
        if readable {
            guard watch.readSource != nil else { return }
            withAres { ares_process_fd($0, descriptor, ARES_SOCKET_BAD) }
        } else {
            guard watch.writeSource != nil else { return }
            withAres { ares_process_fd($0, ARES_SOCKET_BAD, descriptor) }
        }
    }

    private func sourceCancelled(token: UInt64) {
        guard let watch = watches[token] else { return }
        watch.liveSources -= 1
        closeIfUnwatched(watch)
    }

    private func cancelSources(of watch: SocketWatch) {
        if let source = watch.readSource {
            watch.readSource = nil
            source.cancel()
        }
        if let source = watch.writeSource {
            watch.writeSource = nil
            source.cancel()
        }
    }

    private func closeIfUnwatched(_ watch: SocketWatch) {
        guard watch.closeRequested, watch.liveSources == 0 else { return }
        watches[watch.token] = nil
        _ = close(watch.descriptor)
    }

    /// Hands the servers to c-ares with their ports (`ares_set_servers_ports`, which copies them).
    static func setServers(_ servers: [SocketAddress], on channel: ares_channel) -> Int32 {
        var nodes = [ares_addr_port_node](repeating: ares_addr_port_node(), count: servers.count)
        return nodes.withUnsafeMutableBufferPointer { nodes in
            let base = nodes.baseAddress!
            for (index, server) in servers.enumerated() {
                var node = ares_addr_port_node()
                switch server.ip {
                case .v4(let address):
                    node.family = AF_INET
                    node.addr.addr4.s_addr = address.value.bigEndian
                case .v6(let address):
                    node.family = AF_INET6
                    withUnsafeMutableBytes(of: &node.addr.addr6) { $0.copyBytes(from: address.bytes) }
                }
                node.udp_port = Int32(server.port)
                node.tcp_port = Int32(server.port)
                node.next = index + 1 < servers.count ? base + index + 1 : nil
                nodes[index] = node
            }
            return ares_set_servers_ports(channel, base)
        }
    }
}
