#if canImport(Glibc)
import Glibc
#endif
import SystemdSupport
import Testing

private func isCloseOnExec(_ fd: Int32) -> Bool {
    fcntl(fd, F_GETFD) & FD_CLOEXEC != 0
}

@Suite("ListenFDs: LISTEN_PID / LISTEN_FDS / LISTEN_FDNAMES with real sockets")
struct ListenFDsTests {
    @Test("UDP and TCP sockets named dns, told apart by SO_TYPE, with their local addresses")
    func socketsWithNamesTypesAndAddresses() throws {
        let udp = TestSocket.bound(family: AF_INET, type: SOCK_DGRAM, host: "127.0.0.1")
        let tcp = TestSocket.bound(family: AF_INET, type: SOCK_STREAM, host: "127.0.0.1")
        let udp6 = TestSocket.bound(family: AF_INET6, type: SOCK_DGRAM, host: "::1")
        let descriptors = ConsecutiveDescriptors([udp.fd, tcp.fd, udp6.fd])
        for index in 0..<3 { #expect(!isCloseOnExec(descriptors[index])) }

        let sockets = try ListenFDs.receive(
            environment: ["LISTEN_PID": "\(getpid())", "LISTEN_FDS": "3", "LISTEN_FDNAMES": "dns:dns:dns"],
            firstFD: descriptors.first
        )

        try #require(sockets.count == 3)
        #expect(sockets.map(\.fd) == [descriptors[0], descriptors[1], descriptors[2]])
        #expect(sockets.map(\.name) == ["dns", "dns", "dns"])
        #expect(sockets.map(\.type) == [.datagram, .stream, .datagram])
        #expect(sockets.map(\.isListening) == [false, true, false])
        #expect(sockets[0].localAddress?.family == AF_INET)
        #expect(sockets[0].localAddress?.host == "127.0.0.1")
        #expect(sockets[0].localAddress?.port == udp.port)
        #expect(sockets[0].localAddress?.bytes.count == MemoryLayout<sockaddr_in>.size)
        #expect(sockets[1].localAddress?.description == "127.0.0.1:\(tcp.port)")
        #expect(sockets[2].localAddress?.family == AF_INET6)
        #expect(sockets[2].localAddress?.description == "[::1]:\(udp6.port)")
        for index in 0..<3 { #expect(isCloseOnExec(descriptors[index])) }
    }

    @Test("without LISTEN_FDNAMES every name is \"unknown\"; a pipe is passed as no socket")
    func defaultNamesAndNonSockets() throws {
        var pipeEnds: [Int32] = [0, 0]
        try #require(pipe(&pipeEnds) == 0)
        let descriptors = ConsecutiveDescriptors(pipeEnds)
        let passed = try ListenFDs.receive(
            environment: ["LISTEN_PID": "\(getpid())", "LISTEN_FDS": "2"], firstFD: descriptors.first)
        #expect(passed == [
            ListenSocket(fd: descriptors[0], name: "unknown", type: nil, localAddress: nil, isListening: false),
            ListenSocket(fd: descriptors[1], name: "unknown", type: nil, localAddress: nil, isListening: false),
        ])
    }

    @Test("AF_UNIX sockets report their path or @abstract name")
    func unixAddresses() throws {
        let listener = try NotifyListener(abstract: false)
        let abstractListener = try NotifyListener(abstract: true)
        let descriptors = ConsecutiveDescriptors([dup(listener.fd), dup(abstractListener.fd)])
        let sockets = try ListenFDs.receive(
            environment: ["LISTEN_PID": "\(getpid())", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "a:b"],
            firstFD: descriptors.first)
        #expect(sockets.map(\.localAddress?.path) == [listener.notifySocket, abstractListener.notifySocket])
        #expect(sockets.map(\.localAddress?.family) == [AF_UNIX, AF_UNIX])
        #expect(sockets.map(\.name) == ["a", "b"])
    }

    @Test("variables meant for another process, or none at all, give no sockets and touch nothing")
    func otherProcessIgnored() throws {
        let udp = TestSocket.bound(family: AF_INET, type: SOCK_DGRAM, host: "127.0.0.1")
        let descriptors = ConsecutiveDescriptors([udp.fd])
        for environment in [
            ["LISTEN_PID": "\(getpid() + 1)", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "dns"],
            ["LISTEN_FDS": "1"],
            [:],
        ] {
            #expect(try ListenFDs.receive(environment: environment, firstFD: descriptors.first).isEmpty)
        }
        #expect(!isCloseOnExec(descriptors[0]))
        #expect(try ListenFDs.receive(environment: ["LISTEN_PID": "\(getpid())", "LISTEN_FDS": "0"]).isEmpty)
    }

    @Test("malformed variables are errors")
    func malformedVariables() throws {
        let me = "\(getpid())"
        #expect(throws: SystemdError.invalidVariable(name: "LISTEN_PID", value: "self")) {
            try ListenFDs.receive(environment: ["LISTEN_PID": "self", "LISTEN_FDS": "1"])
        }
        #expect(throws: SystemdError.invalidVariable(name: "LISTEN_FDS", value: "two")) {
            try ListenFDs.receive(environment: ["LISTEN_PID": me, "LISTEN_FDS": "two"])
        }
        #expect(throws: SystemdError.invalidVariable(name: "LISTEN_FDS", value: "")) {
            try ListenFDs.receive(environment: ["LISTEN_PID": me])
        }
        #expect(throws: SystemdError.invalidVariable(name: "LISTEN_FDS", value: "-1")) {
            try ListenFDs.receive(environment: ["LISTEN_PID": me, "LISTEN_FDS": "-1"])
        }
        #expect(throws: SystemdError.nameCountMismatch(descriptors: 2, names: 1)) {
            try ListenFDs.receive(environment: ["LISTEN_PID": me, "LISTEN_FDS": "2", "LISTEN_FDNAMES": "dns"])
        }
        #expect(throws: SystemdError.nameCountMismatch(descriptors: 1, names: 3)) {
            try ListenFDs.receive(environment: ["LISTEN_PID": me, "LISTEN_FDS": "1", "LISTEN_FDNAMES": "a::b"])
        }
    }

    @Test("a descriptor that is not open is an error")
    func closedDescriptor() throws {
        // The highest number the process may use: the kernel hands out the lowest free one, so no
        // concurrent test gets it.
        var limit = rlimit()
        try #require(getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0)
        let fd = Int32(min(limit.rlim_cur, 1 << 20)) - 1
        try #require(fcntl(fd, F_GETFD) == -1)
        #expect(throws: SystemdError.systemCall("fcntl(\(fd), F_GETFD)", errno: EBADF)) {
            try ListenFDs.receive(environment: ["LISTEN_PID": "\(getpid())", "LISTEN_FDS": "1"], firstFD: fd)
        }
    }

    @Test("receiveFromProcess without LISTEN_* passes nothing")
    func processWithoutVariables() throws {
        // The test process is not socket-activated. Setting LISTEN_* here would race with every
        // other test reading the environment (setenv may move `environ`), so that the variables
        // are removed after reading is checked under real systemd, by
        // scripts/systemd/test-units-in-host.sh ("LISTEN_* removed from the environment").
        try #require(getenv("LISTEN_PID") == nil)
        #expect(try ListenFDs.receiveFromProcess().isEmpty)
    }
}
