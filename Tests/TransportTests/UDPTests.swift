import Dispatch
import Foundation
import IPAddress
import Testing
@testable import Transport

#if canImport(Glibc)
import Glibc
#endif

@Suite struct UDPTests {
    @Test(arguments: [EchoHandler.Mode.sync, .async(milliseconds: 50)])
    func answersSynchronouslyAndAsynchronously(mode: EchoHandler.Mode) throws {
        let handler = EchoHandler(mode)
        let listeners = try makeListeners(handler: handler)
        defer { listeners.stop() }
        let server = listeners.address(.udp)
        #expect(server.port != 0)
        let client = Client.udp(to: server)
        defer { close(client) }
        for query in [[1, 2, 3], [9], Array(repeating: 7, count: 1400)] as [[UInt8]] {
            let answer = Client.exchange(client, query)
            #expect(answer == EchoHandler.response(to: query, local: server.ip, transport: .udp))
        }
        let origin = try #require(handler.log.all.first)
        #expect(origin.transport == .udp)
        #expect(origin.local == server)
        #expect(origin.client.ip == server.ip)
        #expect(origin.client.port != 0)
    }

    /// A wildcard listener learns each datagram's destination (IP_PKTINFO), and answers from
    /// it: the clients' connected sockets accept only replies from the exact address they sent to.
    @Test func destinationAddressAndReplySourceOnWildcardListener() throws {
        let handler = EchoHandler(.async(milliseconds: 10))
        let listeners = try makeListeners("0.0.0.0:0", handler: handler)
        defer { listeners.stop() }
        let port = listeners.address(.udp).port
        for destination in ["127.0.0.2", "127.0.0.3", "127.0.0.2"] {
            let target = SocketAddress(ip: IPAddress(destination)!, port: port)
            let client = Client.udp(to: target)
            defer { close(client) }
            let answer = Client.exchange(client, [0x42, 0x43])
            #expect(answer == EchoHandler.response(to: [0x42, 0x43], local: target.ip, transport: .udp),
                    "reply to a query sent to \(target)")
            #expect(handler.log.all.last?.local == target)
        }
        #expect(handler.log.all.map(\.local.ip.description) == ["127.0.0.2", "127.0.0.3", "127.0.0.2"])
    }

    /// PKTINFO only where the destination is not known from the bind: a socket bound to one
    /// address spares the kernel a control message per datagram both ways.
    @Test(arguments: [("0.0.0.0:0", true), ("127.0.0.1:0", false), ("[::]:0", true), ("[::1]:0", false)])
    func destinationReportingOnlyOnWildcardSockets(address: String, reports: Bool) throws {
        let bound = try #require(SocketAddress(address))
        let fd = socket(bound.family, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        try UDPReceiver.configure(fd: fd, address: bound, options: TransportOptions(), endpoint: address)
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        let (level, option) = bound.ip.isIPv4 ? (Int32(IPPROTO_IP), Int32(IP_PKTINFO)) : (Int32(IPPROTO_IPV6), Int32(IPV6_RECVPKTINFO))
        #expect(getsockopt(fd, level, option, &value, &length) == 0)
        #expect((value != 0) == reports)
    }

    @Test func ipv6Loopback() throws {
        let handler = EchoHandler()
        let listeners = try makeListeners("[::1]:0", handler: handler)
        defer { listeners.stop() }
        let server = listeners.address(.udp)
        #expect(server.ip == IPAddress("::1"))
        let client = Client.udp(to: server)
        defer { close(client) }
        #expect(Client.exchange(client, [1, 2]) == EchoHandler.response(to: [1, 2], local: server.ip, transport: .udp))
        #expect(handler.log.all.first?.local == server)
        #expect(handler.log.all.first?.client.ip == IPAddress("::1"))
    }

    /// Content is the handler's business: an empty datagram and one of 4096 bytes (the largest
    /// EDNS payload vpcdns advertises) are passed up; a longer one is cut by the kernel and dropped.
    @Test func emptyAndLargeDatagramsArePassedUp() throws {
        let listeners = try makeListeners()
        defer { listeners.stop() }
        let server = listeners.address(.udp)
        let client = Client.udp(to: server)
        defer { close(client) }
        let large = (0..<4096).map { UInt8(truncatingIfNeeded: $0) }
        #expect(Client.exchange(client, []) == EchoHandler.response(to: [], local: server.ip, transport: .udp))
        #expect(Client.exchange(client, large) == EchoHandler.response(to: large, local: server.ip, transport: .udp))
        #expect(Client.exchange(client, large + [0]) == nil)
        #expect(Client.exchange(client, [3]) == EchoHandler.response(to: [3], local: server.ip, transport: .udp))
    }

    /// 2000 datagrams sent back to back from four sockets (so SO_REUSEPORT spreads them over
    /// the per-core sockets) all get their answer. Client and server buffers are 4 MiB.
    @Test func burstOfDatagramsIsFullyAnswered() throws {
        let listeners = try makeListeners(options: TransportOptions(udpQueuesPerAddress: 2))
        defer { listeners.stop() }
        let server = listeners.address(.udp)
        let clients = (0..<4).map { _ in Client.udp(to: server) }
        defer { clients.forEach { close($0) } }
        for client in clients { SocketCalls.setReceiveBuffer(client, size: 4 << 20) }
        let perClient = 500
        for index in 0..<perClient {
            for client in clients {
                let query: [UInt8] = [UInt8(index >> 8), UInt8(index & 0xff), 0xAA]
                _ = query.withUnsafeBytes { send(client, $0.baseAddress, $0.count, 0) }
            }
        }
        var answered = 0
        for client in clients {
            var seen = Set<Int>()
            while seen.count < perClient, let answer = Client.receive(client) {
                let payload = answer.suffix(3)
                seen.insert(Int(payload[payload.startIndex + 2]) << 8 | Int(payload[payload.startIndex + 1]))
            }
            answered += seen.count
        }
        #expect(answered == 4 * perClient)
    }
}
