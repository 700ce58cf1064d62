import Dispatch
import Foundation
import IPAddress
import Synchronization
import Testing
@testable import Transport

#if canImport(Glibc)
import Glibc
#endif

/// Answers `"<local ip>|<transport>|"` followed by the request reversed, to loopback clients
/// only (one test listens on 0.0.0.0). Records every origin.
struct EchoHandler: RequestHandler {
    enum Mode: Sendable {
        case sync
        /// Replies from another queue after a delay.
        case async(milliseconds: Int)
        /// Replies after as many tens of milliseconds as the request's first byte says.
        case delayByFirstByte
    }

    let mode: Mode
    let log = OriginLog()

    init(_ mode: Mode = .sync) { self.mode = mode }

    static func response(to request: some Collection<UInt8>, local: IPAddress, transport: TransportProtocol) -> [UInt8] {
        Array("\(local)|\(transport.rawValue)|".utf8) + request.reversed()
    }

    func handle(_ request: UnsafeRawBufferPointer, origin: QueryOrigin, reply: ReplyChannel) {
        guard loopback.contains(where: { $0.contains(origin.client.ip) }) else { return }
        log.append(origin)
        let response = Self.response(to: request, local: origin.local.ip, transport: origin.transport)
        switch mode {
        case .sync:
            reply.send(response)
        case .async(let milliseconds):
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(milliseconds)) { reply.send(response) }
        case .delayByFirstByte:
            let delay = Int(request.first ?? 0) * 10
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(delay)) { reply.send(response) }
        }
    }
}

let loopback = [CIDR("127.0.0.0/8")!, CIDR("::1/128")!]

/// Thread-safe list of what the handler saw.
final class OriginLog: Sendable {
    private let origins = Mutex<[QueryOrigin]>([])

    func append(_ origin: QueryOrigin) { origins.withLock { $0.append(origin) } }
    var all: [QueryOrigin] { origins.withLock { $0 } }
}

/// Blocking client sockets with receive timeouts, for talking to listeners over loopback.
enum Client {
    static func setTimeout(_ fd: Int32, milliseconds: Int) {
        var timeout = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    static func connect(_ fd: Int32, to address: SocketAddress) -> Bool {
        address.withSockAddr { Glibc.connect(fd, $0, $1) } == 0
    }

    /// A UDP socket connected to `address`: the kernel delivers only datagrams from exactly
    /// that address and port to it.
    static func udp(to address: SocketAddress, timeoutMilliseconds: Int = 2000) -> Int32 {
        let fd = socket(address.family, Int32(SOCK_DGRAM.rawValue), 0)
        precondition(fd >= 0)
        setTimeout(fd, milliseconds: timeoutMilliseconds)
        precondition(connect(fd, to: address), "connect \(address): \(errno)")
        return fd
    }

    /// A new TCP connection to `server` that got an answer to one query, then 20 ms of quiet,
    /// so that connections opened one after another have distinct idle ages. Nil if either failed.
    static func answeredTCP(to server: SocketAddress) -> Int32? {
        guard let client = tcp(to: server) else { return nil }
        writeAll(client, frame([1]))
        guard readFrame(client) != nil else {
            close(client)
            return nil
        }
        usleep(20_000)
        return client
    }

    /// Sends `bytes` and waits for one datagram.
    static func exchange(_ fd: Int32, _ bytes: [UInt8]) -> [UInt8]? {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
        return receive(fd)
    }

    static func receive(_ fd: Int32) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return count >= 0 ? Array(buffer.prefix(count)) : nil
    }

    /// A connected TCP socket, or nil when the connection is refused.
    static func tcp(to address: SocketAddress, timeoutMilliseconds: Int = 3000, receiveBuffer: Int32? = nil) -> Int32? {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue), 0)
        precondition(fd >= 0)
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        setTimeout(fd, milliseconds: timeoutMilliseconds)
        guard connect(fd, to: address) else {
            close(fd)
            return nil
        }
        return fd
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return }
            offset += count
        }
    }

    static func readExactly(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var result = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = result.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + filled, count - filled, 0) }
            guard got > 0 else { return nil }
            filled += got
        }
        return result
    }

    /// One length-framed message, or nil on EOF, error or timeout.
    static func readFrame(_ fd: Int32) -> [UInt8]? {
        guard let length = readExactly(fd, 2) else { return nil }
        return readExactly(fd, Int(length[0]) << 8 | Int(length[1]))
    }

    /// Whether the peer closes (EOF or reset) before the receive timeout.
    static func closedByPeer(_ fd: Int32) -> Bool {
        var byte: UInt8 = 0
        let count = recv(fd, &byte, 1, 0)
        return count == 0 || (count < 0 && errno == ECONNRESET)
    }

    static func frame(_ bytes: [UInt8]) -> [UInt8] {
        [UInt8(bytes.count >> 8), UInt8(bytes.count & 0xff)] + bytes
    }
}

extension Listeners {
    func address(_ transport: TransportProtocol) -> SocketAddress {
        boundAddresses.first { $0.0 == transport }!.1
    }
}

/// A listener on `address` (port 0) with `handler`, started.
func makeListeners(_ address: String = "127.0.0.1:0", options: TransportOptions = TransportOptions(),
                   handler: some RequestHandler = EchoHandler()) throws -> Listeners {
    let listeners = try Listeners(addresses: [SocketAddress(address)!], options: options, handler: handler)
    listeners.start()
    return listeners
}
