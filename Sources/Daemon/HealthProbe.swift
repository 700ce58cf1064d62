import DNSWire
import IPAddress
import Platform

#if canImport(Glibc)
import Glibc
#endif

/// The watchdog's check that queries are really answered: one query through a listener's UDP
/// socket and back (socket, receive queue, engine, reply), answered locally whatever the config:
/// a CHAOS-class question, which the door checks refuse without touching the model or upstreams.
enum HealthProbe {
    /// Sends the probe to `target` (a wildcard address is reached through loopback) and waits up
    /// to `timeoutMilliseconds` for the response with the probe's ID.
    static func answers(at target: SocketAddress, timeoutMilliseconds: Int32 = 1000) -> Bool {
        var destination = target
        switch target.ip {
        case .v4(let v4) where v4.value == 0: destination.ip = .v4(IPv4Address(127, 0, 0, 1))
        case .v6(let v6) where v6.high == 0 && v6.low == 0: destination.ip = .v6(IPv6Address(high: 0, low: 1))
        default: break
        }
        let fd = socket(destination.family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let id = UInt16.random(in: 0...UInt16.max)
        guard let query = try? Message(header: Header(id: id), questions: [Question(name: "health.vpcdns.", type: .txt, dnsClass: .chaos)]).encode()
        else { return false }
        let sent = destination.withSockAddr { address, length in
            query.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, address, length) }
        }
        guard sent == query.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 512)
        var remaining = timeoutMilliseconds
        while remaining > 0 {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let started = MonotonicClock.milliseconds()
            guard poll(&poller, 1, remaining) > 0 else { return false }
            let count = recv(fd, &buffer, buffer.count, 0)
            if count >= 12, buffer.bigEndianUInt16(at: 0) == id, buffer[2] & 0x80 != 0 { return true }
            remaining -= Int32(MonotonicClock.milliseconds() - started)
        }
        return false
    }
}
