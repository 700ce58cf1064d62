@testable import Daemon
import IPAddress
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The watchdog's probe: true only when a response with the probe's ID comes back.
@Suite struct HealthProbeTests {
    /// A UDP socket on 127.0.0.1; `answer` says whether it echoes each datagram back as a response.
    final class Responder: @unchecked Sendable {
        let fd: Int32
        let address: SocketAddress
        private var thread = pthread_t()

        init(answer: Bool) {
            let socketFD = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            _ = SocketAddress(ip: .v4(IPv4Address(127, 0, 0, 1)), port: 0).withSockAddr { bind(socketFD, $0, $1) }
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            _ = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &length) }
            }
            fd = socketFD
            address = withUnsafePointer(to: &storage) { SocketAddress(storage: UnsafeRawPointer($0))! }
            guard answer else { return }
            let box = Unmanaged.passRetained(self).toOpaque()
            pthread_create(&thread, nil, { raw in
                let responder = Unmanaged<Responder>.fromOpaque(raw!).takeRetainedValue()
                var buffer = [UInt8](repeating: 0, count: 512)
                var peer = sockaddr_storage()
                var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let count = withUnsafeMutablePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(responder.fd, &buffer, buffer.count, 0, $0, &length) }
                }
                if count >= 12 {
                    buffer[2] |= 0x80  // QR: a response with the same ID
                    _ = withUnsafePointer(to: &peer) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(responder.fd, buffer, count, 0, $0, length) }
                    }
                }
                return nil
            }, box)
        }

        deinit { close(fd) }
    }

    @Test func answeredProbeIsHealthy() {
        let responder = Responder(answer: true)
        #expect(HealthProbe.answers(at: responder.address, timeoutMilliseconds: 2000))
    }

    @Test func silentListenerIsUnhealthy() {
        let responder = Responder(answer: false)
        #expect(!HealthProbe.answers(at: responder.address, timeoutMilliseconds: 200))
    }

    @Test func wildcardListenerIsProbedThroughLoopback() {
        let responder = Responder(answer: true)
        let wildcard = SocketAddress(ip: .v4(IPv4Address(0)), port: responder.address.port)
        #expect(HealthProbe.answers(at: wildcard, timeoutMilliseconds: 2000))
    }
}
