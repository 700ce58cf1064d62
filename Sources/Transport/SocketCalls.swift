#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import IPAddress

/// Thin wrappers over the socket calls Transport makes, with errors as `TransportError`.
enum SocketCalls {
    #if canImport(Glibc)
    static let datagram = Int32(SOCK_DGRAM.rawValue)
    static let stream = Int32(SOCK_STREAM.rawValue)
    static let dontWait = Int32(MSG_DONTWAIT)
    static let truncated = Int32(MSG_TRUNC)
    static let noSignal = Int32(MSG_NOSIGNAL)
    static let nonBlockCloexec = Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue)
    #endif

    /// Room for any address family Transport sees.
    static let storageSize = MemoryLayout<sockaddr_storage>.size

    // MARK: addresses

    static func localAddress(_ fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(storageSize)
        return withUnsafeMutablePointer(to: &storage) { pointer -> SocketAddress? in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } == 0
                ? SocketAddress(storage: pointer) : nil
        }
    }

    // MARK: socket set-up

    /// A new non-blocking, close-on-exec socket.
    static func socket(family: Int32, type: Int32, endpoint: String) throws(TransportError) -> Int32 {
        let fd = Glibc.socket(family, type | nonBlockCloexec, 0)
        guard fd >= 0 else { throw TransportError(operation: "socket", endpoint: endpoint, code: errno) }
        return fd
    }

    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32,
                          _ label: String, endpoint: String) throws(TransportError) {
        var value = value
        guard setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw TransportError(operation: "setsockopt(\(label))", endpoint: endpoint, code: errno)
        }
    }

    /// Large receive buffer: SO_RCVBUFFORCE (needs CAP_NET_ADMIN) goes past `rmem_max`; without
    /// the capability SO_RCVBUF gets what the kernel allows. Not fatal either way.
    static func setReceiveBuffer(_ fd: Int32, size: Int) {
        guard size > 0 else { return }
        var value = Int32(clamping: size)
        let length = socklen_t(MemoryLayout<Int32>.size)
        #if canImport(Glibc)
        if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &value, length) == 0 { return }
        #endif
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, length)
    }

    static func bind(_ fd: Int32, _ address: SocketAddress, endpoint: String) throws(TransportError) {
        let result = withUnsafeTemporaryAllocation(byteCount: storageSize, alignment: 8) { buffer in
            let length = address.write(into: buffer.baseAddress!)
            return Glibc.bind(fd, buffer.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
        guard result == 0 else { throw TransportError(operation: "bind", endpoint: endpoint, code: errno) }
    }

    static func makeNonBlocking(_ fd: Int32, endpoint: String) throws(TransportError) {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else {
            throw TransportError(operation: "fcntl(O_NONBLOCK)", endpoint: endpoint, code: errno)
        }
        _ = fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC)
    }

    static func endpoint(_ address: SocketAddress, _ transport: TransportProtocol) -> String {
        "\(address)/\(transport == .udp ? "udp" : "tcp")"
    }
}

extension SocketAddress {
    /// IPv4-mapped IPv6 (an IPv4 peer of a dual-stack socket, e.g. one systemd bound to `[::]`)
    /// turned back into IPv4.
    var unmapped: SocketAddress { SocketAddress(ip: ip.unmapped, port: port) }
}
