#if canImport(Glibc)
import Glibc
#endif
import Platform
import SystemdSupport
import Testing

@Suite("ServiceNotifier: sd_notify over a real AF_UNIX datagram socket")
struct ServiceNotifierTests {
    @Test("READY=1 reaches a path socket and an abstract socket", arguments: [false, true])
    func readyReachesSocket(abstract: Bool) throws {
        let listener = try NotifyListener(abstract: abstract)
        let notifier = ServiceNotifier(environment: listener.environment)
        #expect(notifier.isEnabled)
        #expect(notifier.address?.description == listener.notifySocket)
        try notifier.ready()
        #expect(listener.receive() == "READY=1")
    }

    @Test("each message has the exact protocol text")
    func exactMessages() throws {
        let listener = try NotifyListener(abstract: true)
        let notifier = ServiceNotifier(environment: listener.environment)
        try notifier.stopping()
        #expect(listener.receive() == "STOPPING=1")
        try notifier.watchdog()
        #expect(listener.receive() == "WATCHDOG=1")
        try notifier.status("serving 3 views\non 2 sockets")
        #expect(listener.receive() == "STATUS=serving 3 views on 2 sockets")
        try notifier.extendTimeout(microseconds: 5_000_000)
        #expect(listener.receive() == "EXTEND_TIMEOUT_USEC=5000000")
        try notifier.send("ERRNO=2\nSTATUS=failed")
        #expect(listener.receive() == "ERRNO=2\nSTATUS=failed")
    }

    @Test("RELOADING=1 carries MONOTONIC_USEC from CLOCK_MONOTONIC")
    func reloadingCarriesMonotonicTime() throws {
        let listener = try NotifyListener(abstract: false)
        let notifier = ServiceNotifier(environment: listener.environment)
        let before = MonotonicClock.microseconds()
        try notifier.reloading()
        let after = MonotonicClock.microseconds()

        let message = try #require(listener.receive())
        let lines = message.split(separator: "\n", omittingEmptySubsequences: false)
        try #require(lines.count == 2)
        #expect(lines[0] == "RELOADING=1")
        #expect(lines[1].hasPrefix("MONOTONIC_USEC="))
        let stamp = try #require(UInt64(lines[1].dropFirst("MONOTONIC_USEC=".count)))
        #expect(stamp >= before && stamp <= after)

        // Independent check against clock_gettime itself, not the helper.
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let nowMicroseconds = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
        #expect(stamp <= nowMicroseconds && nowMicroseconds - stamp < 10_000_000)
    }

    @Test("without NOTIFY_SOCKET every call is a no-op", arguments: [[:], ["NOTIFY_SOCKET": ""]])
    func noOpWithoutSocket(environment: [String: String]) throws {
        let notifier = ServiceNotifier(environment: environment)
        #expect(!notifier.isEnabled)
        #expect(notifier.address == nil)
        try notifier.ready()
        try notifier.reloading()
        try notifier.status("x")
        try notifier.watchdog()
        try notifier.stopping()
    }

    @Test("an invalid NOTIFY_SOCKET is reported by every send", arguments: [
        "relative/notify", "@", "/" + String(repeating: "a", count: 120), "vsock:2:1234",
    ])
    func invalidSocketIsReported(value: String) {
        let notifier = ServiceNotifier(environment: ["NOTIFY_SOCKET": value])
        #expect(notifier.isEnabled)
        #expect(notifier.address == nil)
        #expect(throws: SystemdError.invalidNotifySocket(value)) { try notifier.ready() }
        #expect(throws: SystemdError.invalidNotifySocket(value)) { try notifier.watchdog() }
    }

    @Test("a socket nobody listens on is an error, not a crash")
    func missingListenerIsError() {
        let notifier = ServiceNotifier(environment: ["NOTIFY_SOCKET": uniqueName("/tmp/vpcdns-test-absent")])
        #expect(throws: SystemdError.systemCall("sendto(\(notifier.address!))", errno: ENOENT)) {
            try notifier.ready()
        }
        let abstract = ServiceNotifier(address: .abstract(uniqueName("vpcdns-test-absent")))
        #expect(throws: SystemdError.systemCall("sendto(\(abstract.address!))", errno: ECONNREFUSED)) {
            try abstract.ready()
        }
    }

    @Test("NOTIFY_SOCKET parsing")
    func addressParsing() throws {
        #expect(try ServiceNotifier.Address(parsing: "/run/systemd/notify") == .path("/run/systemd/notify"))
        #expect(try ServiceNotifier.Address(parsing: "@/org/freedesktop/systemd1/notify/42")
            == .abstract("/org/freedesktop/systemd1/notify/42"))
        // sun_path is 108 bytes: a path needs room for its NUL, an abstract name does not.
        let longest = "/" + String(repeating: "p", count: 106)
        #expect(try ServiceNotifier.Address(parsing: longest) == .path(longest))
        #expect(throws: SystemdError.self) { try ServiceNotifier.Address(parsing: longest + "p") }
        let longestAbstract = "@" + String(repeating: "a", count: 107)
        #expect(try ServiceNotifier.Address(parsing: longestAbstract) == .abstract(String(longestAbstract.dropFirst())))
        #expect(throws: SystemdError.self) { try ServiceNotifier.Address(parsing: longestAbstract + "a") }
    }

    @Test("the longest abstract name is delivered intact")
    func longestAbstractNameDelivered() throws {
        // Bind the listener by hand at exactly 107 name bytes.
        let base = uniqueName("vpcdns-test")
        let name = base + String(repeating: "x", count: 107 - base.utf8.count)
        #expect(name.utf8.count == 107)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes: [UInt8] = [0] + Array(name.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.size)
        try #require(withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        } == 0)
        try ServiceNotifier(environment: ["NOTIFY_SOCKET": "@" + name]).ready()
        var buffer = [UInt8](repeating: 0, count: 64)
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        try #require(poll(&descriptor, 1, 2_000) == 1)
        let count = recv(fd, &buffer, buffer.count, 0)
        #expect(String(decoding: buffer[..<max(count, 0)], as: UTF8.self) == "READY=1")
    }
}
