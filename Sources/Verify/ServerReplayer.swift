import DNSWire
import IPAddress

#if canImport(Glibc)
import Glibc
#endif

/// Against a running server over UDP, sent from the recorded source address when this host
/// can bind it (any 127.0.0.0/8 address can be, on loopback), else from any address (noted).
public struct ServerReplayer: Replayer {
    public let server: SocketAddress
    public var timeoutMilliseconds: Int32 = 2000

    public init(server: SocketAddress) { self.server = server }

    public func ask(_ expectation: Expectation) -> Outcome {
        if expectation.via != nil { return .notChecked("via applies offline only; a server is asked at \(server)") }
        let fd = socket(server.family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .notChecked("cannot open a socket") }
        defer { close(fd) }
        if expectation.from.isIPv4 == server.ip.isIPv4 {
            let source = SocketAddress(ip: expectation.from, port: 0)
            let bound = source.withSockAddr { bind(fd, $0, $1) }
            if bound != 0 { return .notChecked("cannot send from \(expectation.from) on this host") }
        } else {
            return .notChecked("source \(expectation.from) and server \(server) are of different address families")
        }
        var header = Header(id: UInt16.random(in: 1...UInt16.max))
        header.recursionDesired = true
        guard let query = try? Message(header: header, questions: [expectation.question], edns: EDNS(udpPayloadSize: 1232)).encode() else {
            return .notChecked("the question cannot be encoded")
        }
        for _ in 0..<2 {
            let sent = server.withSockAddr { address, length in query.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, address, length) } }
            guard sent == query.count else { return .notChecked("cannot send to \(server)") }
            if let reply = receive(fd, id: header.id) {
                return .response(reply.rcode, answers: reply.answers.map(ModelReplayer.normalized))
            }
        }
        return .noResponse
    }

    private func receive(_ fd: Int32, id: UInt16) -> Message? {
        var buffer = [UInt8](repeating: 0, count: 65535)
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while poll(&poller, 1, timeoutMilliseconds) > 0 {
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { return nil }
            if let message = try? Message(wire: Array(buffer[0..<count])), message.header.id == id, message.header.isResponse { return message }
        }
        return nil
    }
}
