import Dispatch
import Foundation
import IPAddress
import Testing
@testable import Transport

#if canImport(Glibc)
import Glibc
#endif

@Suite struct LifecycleTests {
    /// Sockets bound by someone else (as systemd passes them) are served; the transport is
    /// detected with SO_TYPE, and a stream socket not yet listening is put into listening state.
    @Test func inheritedSockets() throws {
        let udpFD = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        let tcpFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        let any = SocketAddress("127.0.0.4:0")!
        for fd in [udpFD, tcpFD] {
            try #require(any.withSockAddr { bind(fd, $0, $1) } == 0)
        }
        let inherited = try [InheritedSocket(fd: udpFD), InheritedSocket(fd: tcpFD)]
        #expect(inherited.map(\.transport) == [.udp, .tcp])
        let handler = EchoHandler()
        let listeners = try Listeners(addresses: [], inheritedSockets: inherited, handler: handler)
        listeners.start()
        defer { listeners.stop() }
        let udpAddress = listeners.address(.udp)
        let tcpAddress = listeners.address(.tcp)
        #expect(udpAddress.ip == any.ip && udpAddress.port != 0)
        #expect(tcpAddress.ip == any.ip && tcpAddress.port != 0)

        let udpClient = Client.udp(to: udpAddress)
        defer { close(udpClient) }
        #expect(Client.exchange(udpClient, [7]) == EchoHandler.response(to: [7], local: any.ip, transport: .udp))
        let tcpClient = try #require(Client.tcp(to: tcpAddress))
        defer { close(tcpClient) }
        Client.writeAll(tcpClient, Client.frame([8]))
        #expect(Client.readFrame(tcpClient) == EchoHandler.response(to: [8], local: any.ip, transport: .tcp))
    }

    @Test func bindErrorNamesAddressAndReason() throws {
        let first = try makeListeners("127.0.0.5:0")
        defer { first.stop() }
        let taken = first.address(.udp)
        // Two sockets per address use SO_REUSEPORT; another instance must still be refused.
        let error = #expect(throws: TransportError.self) {
            _ = try Listeners(addresses: [taken], options: TransportOptions(udpQueuesPerAddress: 2),
                              handler: EchoHandler())
        }
        #expect(error?.description == "bind \(taken)/udp: Address already in use")
    }

    /// After `stop` the port is closed (it can be bound again and gets no answer), and an
    /// asynchronous reply scheduled before the stop fires harmlessly.
    @Test func stopClosesSocketsAndLateRepliesAreHarmless() throws {
        let handler = EchoHandler(.async(milliseconds: 300))
        let listeners = try makeListeners(handler: handler)
        let server = listeners.address(.udp)
        let client = Client.udp(to: server, timeoutMilliseconds: 500)
        defer { close(client) }
        _ = [UInt8]([1, 2, 3]).withUnsafeBytes { send(client, $0.baseAddress, $0.count, 0) }
        for _ in 0..<100 where handler.log.all.isEmpty { usleep(10_000) }
        try #require(handler.log.all.count == 1)
        listeners.stop(drainFor: .zero)
        usleep(500_000)  // the pending reply fires now, after the socket is gone
        #expect(Client.receive(client) == nil, "no reply after stop")

        // The port is free: an exclusive bind succeeds on both protocols.
        for type in [SOCK_DGRAM, SOCK_STREAM] {
            let probe = socket(AF_INET, Int32(type.rawValue), 0)
            defer { close(probe) }
            #expect(server.withSockAddr { bind(probe, $0, $1) } == 0)
        }
        #expect(Client.tcp(to: server) == nil, "TCP is refused after stop")
        listeners.stop()  // idempotent
    }

    /// `stop` lets an in-flight TCP answer go out, then closes the connection.
    @Test func stopDrainsInFlightTCPAnswers() throws {
        let handler = EchoHandler(.async(milliseconds: 200))
        let listeners = try makeListeners(handler: handler)
        let server = listeners.address(.tcp)
        let client = try #require(Client.tcp(to: server))
        defer { close(client) }
        Client.writeAll(client, Client.frame([6]))
        for _ in 0..<100 where handler.log.all.isEmpty { usleep(10_000) }
        listeners.stop(drainFor: .seconds(3))
        #expect(Client.readFrame(client) == EchoHandler.response(to: [6], local: server.ip, transport: .tcp))
        #expect(Client.closedByPeer(client))
    }

    /// Stopping before starting closes the bound sockets.
    @Test func stopBeforeStart() throws {
        let listeners = try Listeners(addresses: [SocketAddress("127.0.0.1:0")!], handler: EchoHandler())
        let server = listeners.address(.tcp)
        listeners.stop()
        #expect(Client.tcp(to: server) == nil)
    }
}
