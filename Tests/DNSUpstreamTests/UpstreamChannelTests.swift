import Dispatch
import IPAddress
import Testing
import Glibc
@testable import DNSUpstream

/// Real c-ares against `TestDNSServer` on loopback. Serialized: timeouts and bursts share 2 cores.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct UpstreamChannelTests {
    private func channel(_ servers: [SocketAddress], timeout: Duration = .milliseconds(1000), tries: Int = 2) throws -> UpstreamChannel {
        try UpstreamChannel(configuration: UpstreamConfiguration(servers: servers, timeout: timeout, tries: tries))
    }

    /// The channel's own random ID goes upstream and comes back in the answer as received: the
    /// caller's ID is never carried through (it matches answers by their completion).
    @Test func answerKeepsTheUpstreamIDTheCallersIDIsNotRestored() async throws {
        let server = try TestDNSServer(.answer)
        defer { server.stop() }
        let channel = try channel([server.address])
        defer { channel.shutdown() }

        var answerIDs: [UInt16] = []
        for index in 0..<4 {
            let name = "host\(index).example."
            let queue = channel.queue
            let result = await withCheckedContinuation { continuation in
                channel.send(DNSTestMessage.query(id: 0xBEEF, name: name)) { result in
                    dispatchPrecondition(condition: .onQueue(queue))
                    continuation.resume(returning: result)
                }
            }
            let answer = try #require(DNSTestMessage.parseAnswer(try result.get()))
            answerIDs.append(answer.id)
            #expect(answer.isResponse && answer.rcode == 0)
            #expect(answer.name == name)
            #expect(answer.addresses == [DNSTestMessage.address(for: name)])
        }
        let received = server.received
        #expect(received.count == 4)
        #expect(answerIDs == received.map(\.id), "each answer has the ID the upstream saw")
        #expect(received.contains { $0.id != 0xBEEF }, "the upstream saw the caller's ID every time: \(received)")
        #expect(inspect(channel) { $0.outstanding.isEmpty })
    }

    @Test func answersOverIPv6Loopback() async throws {
        let server = try TestDNSServer(.truncateUDP(records: 40), ip: .v6(IPv6Address("::1")!))
        defer { server.stop() }
        let channel = try channel([server.address])
        defer { channel.shutdown() }

        let name = "six.example."
        let result = try #require(await ask(channel, DNSTestMessage.query(id: 0x0606, name: name)))
        let answer = try #require(DNSTestMessage.parseAnswer(try result.get()))
        #expect(answer.id == server.received.last?.id)
        #expect(answer.addresses.count == 40)
        #expect(server.received.map(\.overTCP) == [false, true])
    }

    /// The UDP socket is not connected, so the channel itself must drop datagrams that do not come
    /// from the server's address and port (c-ares 1.18 compares only the address).
    @Test func answerFromAnotherPortIsIgnored() async throws {
        let server = try TestDNSServer(.spoofThenAnswer)
        defer { server.stop() }
        let channel = try channel([server.address])
        defer { channel.shutdown() }

        let name = "spoofed.example."
        let result = try #require(await ask(channel, DNSTestMessage.query(id: 0x5555, name: name)))
        let answer = try #require(DNSTestMessage.parseAnswer(try result.get()))
        #expect(answer.addresses == [DNSTestMessage.address(for: name)])
        #expect(inspect(channel) { $0.statistics.strayDatagrams } >= 1)
    }

    @Test(arguments: [(TestDNSServer.Behavior.refused, UInt8(5)), (.servfail, 2)])
    func errorAnswersAreRelayedAsBytes(behavior: TestDNSServer.Behavior, rcode: UInt8) async throws {
        let server = try TestDNSServer(behavior)
        defer { server.stop() }
        let channel = try channel([server.address])
        defer { channel.shutdown() }

        let result = try #require(await ask(channel, DNSTestMessage.query(id: 0x1234, name: "denied.example.")))
        let answer = try #require(DNSTestMessage.parseAnswer(try result.get()))
        #expect(answer.id == server.received.first?.id)
        #expect(answer.rcode == rcode)
        #expect(answer.name == "denied.example.")
        // Relayed on the first answer, not retried as a failure.
        #expect(server.received.count == 1)
    }

    @Test func silentServerTimesOut() async throws {
        let server = try TestDNSServer(.silent)
        defer { server.stop() }
        let channel = try channel([server.address], timeout: .milliseconds(200), tries: 2)
        defer { channel.shutdown() }

        let clock = ContinuousClock()
        let start = clock.now
        let result = try #require(await ask(channel, DNSTestMessage.query(id: 7, name: "silent.example.")))
        let elapsed = clock.now - start
        #expect(throws: UpstreamError.self) { try result.get() }
        if case .failure(let error) = result { #expect(error.code == .timeout, "\(error)") }
        #expect(elapsed < .milliseconds(200 * 2 * 10))
        #expect(server.received.count >= 1)
    }

    /// c-ares 1.18 doubles the timeout on every later round; the channel's own deadline
    /// (timeout × tries × servers) completes first, and c-ares's late callback changes nothing.
    @Test func deadlineBoundsTheDoubledRetries() async throws {
        let server = try TestDNSServer(.silent)
        defer { server.stop() }
        // c-ares alone would give up after 200 + 400 + 800 ms; the deadline is 600 ms.
        let channel = try channel([server.address], timeout: .milliseconds(200), tries: 3)
        defer { channel.shutdown() }

        let results = Collected<Result<[UInt8], UpstreamError>>()
        let done = Once()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            channel.send(DNSTestMessage.query(id: 9, name: "slow.example.")) { result in
                results.append(result)
                if done.claim() { continuation.resume() }
            }
        }
        let first = try #require(results.all.first)
        guard case .failure(let error) = first else {
            Issue.record("expected a timeout, got \(first)")
            return
        }
        #expect(error.code == .timeout)
        #expect(error.aresStatus == nil, "c-ares's own timeout came first: \(error)")
        // c-ares gives up later and releases the upstream ID; the completion does not run again.
        #expect(await eventually { inspect(channel) { $0.outstanding.isEmpty } })
        #expect(results.all.count == 1)
    }

    @Test func portWithoutListenerGivesAnError() async throws {
        let address = SocketAddress(ip: .v4(IPv4Address(127, 0, 0, 1)), port: unusedLoopbackPort())
        let channel = try channel([address], timeout: .milliseconds(200), tries: 2)
        defer { channel.shutdown() }

        let clock = ContinuousClock()
        let start = clock.now
        let result = try #require(await ask(channel, DNSTestMessage.query(id: 8, name: "nobody.example.")))
        #expect(throws: UpstreamError.self) { try result.get() }
        #expect(clock.now - start < .milliseconds(200 * 2 * 10))
    }

    /// A connected UDP socket would get the ICMP port-unreachable as a socket error, which
    /// libdispatch sees as EPOLLERR without EPOLLIN and spins on until c-ares times out. Measured as
    /// process CPU time while waiting; spinning costs about half a second per second here.
    @Test func waitingOnAnUnreachablePortDoesNotSpin() async throws {
        let address = SocketAddress(ip: .v4(IPv4Address(127, 0, 0, 1)), port: unusedLoopbackPort())
        let channel = try channel([address], timeout: .milliseconds(2000), tries: 1)
        defer { channel.shutdown() }

        let before = processCPUSeconds()
        let result = try #require(await ask(channel, DNSTestMessage.query(id: 3, name: "unreachable.example.")))
        let cpu = processCPUSeconds() - before
        #expect(throws: UpstreamError.self) { try result.get() }
        #expect(cpu < 0.25, "\(cpu) s of CPU while waiting 2 s for an unreachable upstream")
    }

    @Test func truncatedUDPAnswerIsFetchedOverTCP() async throws {
        let server = try TestDNSServer(.truncateUDP(records: 40))
        defer { server.stop() }
        let channel = try channel([server.address])
        defer { channel.shutdown() }

        let name = "big.example."
        let result = try #require(await ask(channel, DNSTestMessage.query(id: 0x0102, name: name)))
        let bytes = try result.get()
        #expect(bytes.count > 512)
        let answer = try #require(DNSTestMessage.parseAnswer(bytes))
        #expect(answer.id == server.received.first?.id)
        #expect(!answer.truncated)
        #expect(answer.addresses == (0..<40).map { DNSTestMessage.address(for: name, index: $0) })
        let received = server.received
        #expect(received.contains { !$0.overTCP } && received.contains { $0.overTCP })
        #expect(Set(received.map(\.id)).count == 1, "UDP and TCP carry the same upstream ID")
    }

    /// The server closes the first TCP connection: c-ares closes its sockets and, in the same
    /// ares_process_fd, opens a new TCP socket for the retry. Had the old descriptors been closed at
    /// once, the new socket would get a number whose Dispatch sources are still being cancelled.
    @Test func droppedTCPConnectionIsRetriedOnANewSocket() async throws {
        let server = try TestDNSServer(.truncateUDPDropFirstTCP(records: 40))
        defer { server.stop() }
        let channel = try channel([server.address], timeout: .milliseconds(1000), tries: 2)
        defer { channel.shutdown() }

        for round in 0..<3 {
            let name = "dropped\(round).example."
            let result = try #require(await ask(channel, DNSTestMessage.query(id: 0x0D0D, name: name)))
            let answer = try #require(DNSTestMessage.parseAnswer(try result.get()))
            #expect(answer.id == server.received.last?.id)
            #expect(answer.addresses.count == 40)
        }
        #expect(server.received.filter(\.overTCP).count == 4)
        #expect(inspect(channel) { $0.statistics.socketsOpened } >= 5)
    }

    @Test func secondServerAnswersWhenTheFirstIsSilent() async throws {
        let silent = try TestDNSServer(.silent)
        defer { silent.stop() }
        let answering = try TestDNSServer(.answer)
        defer { answering.stop() }
        let channel = try channel([silent.address, answering.address], timeout: .milliseconds(300), tries: 2)
        defer { channel.shutdown() }

        let name = "failover.example."
        let result = try #require(await ask(channel, DNSTestMessage.query(id: 0x4321, name: name)))
        let answer = try #require(DNSTestMessage.parseAnswer(try result.get()))
        #expect(answer.id == answering.received.first?.id)
        #expect(answer.addresses == [DNSTestMessage.address(for: name)])
        #expect(silent.received.count == 1)
        #expect(answering.received.count == 1)
    }

    /// All 500 are outstanding at once (the server answers only after it has seen 500 IDs), so
    /// their upstream IDs must all differ although the clients all used one ID.
    @Test func fiveHundredConcurrentQueriesWithOneCallerID() async throws {
        let count = 500
        let server = try TestDNSServer(.holdUntil(distinctIDs: count, maxWaitMilliseconds: 3000))
        defer { server.stop() }
        let channel = try channel([server.address], timeout: .milliseconds(1500), tries: 3)
        defer { channel.shutdown() }

        let answers = await withTaskGroup(of: (String, Result<[UInt8], UpstreamError>?).self) { group in
            for index in 0..<count {
                let name = "q\(index).burst.example."
                group.addTask { (name, await ask(channel, DNSTestMessage.query(id: 0x4242, name: name))) }
            }
            var answers: [(String, Result<[UInt8], UpstreamError>?)] = []
            for await answer in group { answers.append(answer) }
            return answers
        }
        #expect(answers.count == count)
        var idByName: [String: Set<UInt16>] = [:]
        for received in server.received { idByName[received.name.lowercased(), default: []].insert(received.id) }
        var wrong: [String] = []
        for (name, result) in answers {
            guard case .success(let bytes)? = result, let answer = DNSTestMessage.parseAnswer(bytes),
                  idByName[name] == [answer.id], answer.name == name,
                  answer.addresses == [DNSTestMessage.address(for: name)]
            else {
                wrong.append("\(name): \(String(describing: result))")
                continue
            }
        }
        #expect(wrong.isEmpty, "\(wrong.count) wrong, first: \(wrong.prefix(3))")
        #expect(idByName.count == count)
        #expect(idByName.values.allSatisfy { $0.count == 1 }, "a retry changed its upstream ID")
        #expect(Set(idByName.values.flatMap { $0 }).count == count, "upstream IDs collided")
        #expect(inspect(channel) { $0.outstanding.isEmpty })
    }

    @Test func shutdownCompletesOutstandingQueriesOnce() async throws {
        let server = try TestDNSServer(.silent)
        defer { server.stop() }
        let channel = try channel([server.address], timeout: .milliseconds(5000), tries: 2)

        let results = Collected<(Int, Result<[UInt8], UpstreamError>)>()
        for index in 0..<20 {
            channel.send(DNSTestMessage.query(id: 1, name: "pending\(index).example.")) { results.append((index, $0)) }
        }
        #expect(await eventually { server.received.count == 20 })
        channel.shutdown()
        // shutdown() returns after the completions ran; wait a little for any stray second call.
        try await Task.sleep(for: .milliseconds(200))
        let all = results.all
        #expect(all.count == 20)
        #expect(Set(all.map(\.0)).count == 20)
        for (_, result) in all {
            guard case .failure(let error) = result else {
                Issue.record("expected .destroyed, got \(result)")
                continue
            }
            #expect(error.code == .destroyed)
            #expect(error.aresStatus == 16) // ARES_EDESTRUCTION
        }
        // Sockets closed, descriptors released, IDs free.
        #expect(await eventually { inspect(channel) { $0.openSockets.isEmpty && $0.watches.isEmpty } })
        #expect(inspect(channel) { $0.outstanding.isEmpty })

        let late = try #require(await ask(channel, DNSTestMessage.query(id: 2, name: "late.example.")))
        if case .failure(let error) = late { #expect(error.code == .destroyed) } else { Issue.record("answered after shutdown") }
    }

    /// The completion of an answered query (run after ares_process_fd returned) shuts the channel
    /// down while five others are outstanding.
    @Test func shutdownFromInsideACompletion() async throws {
        let server = try TestDNSServer(.answerOnlyPrefix("now."))
        defer { server.stop() }
        let channel = try channel([server.address], timeout: .milliseconds(5000))

        let results = Collected<Result<[UInt8], UpstreamError>>()
        for index in 0..<5 {
            channel.send(DNSTestMessage.query(id: 1, name: "slow\(index).example.")) { results.append($0) }
        }
        #expect(await eventually { server.received.count == 5 })
        let first = await withCheckedContinuation { continuation in
            channel.send(DNSTestMessage.query(id: 2, name: "now.example.")) { result in
                channel.shutdown()
                continuation.resume(returning: result)
            }
        }
        #expect(DNSTestMessage.parseAnswer(try first.get())?.name == "now.example.")
        let all = results.all
        #expect(all.count == 5)
        #expect(all.allSatisfy { if case .failure(let error) = $0 { error.code == .destroyed } else { false } })
        #expect(await eventually { inspect(channel) { $0.watches.isEmpty } })
    }

    /// Nothing but outstanding work keeps a channel alive: dropped without `shutdown()`, it is freed
    /// once c-ares has closed its sockets.
    @Test func droppedChannelIsFreed() async throws {
        let server = try TestDNSServer(.answer)
        defer { server.stop() }
        weak var weakChannel: UpstreamChannel?
        do {
            let channel = try channel([server.address])
            weakChannel = channel
            let result = try #require(await ask(channel, DNSTestMessage.query(id: 3, name: "freed.example.")))
            _ = try result.get()
        }
        #expect(await eventually { weakChannel == nil })
    }

    /// c-ares closes its sockets when no query is left and opens new ones for the next, usually
    /// with the same descriptor number: stale Dispatch sources must not confuse the new socket.
    @Test(arguments: [false, true])
    func burstsAfterIdlePeriodsReuseDescriptors(overTCP: Bool) async throws {
        let server = try TestDNSServer(overTCP ? .truncateUDP(records: 2) : .answer)
        defer { server.stop() }
        let channel = try channel([server.address])
        defer { channel.shutdown() }

        let rounds = 25
        var failures: [String] = []
        for round in 0..<rounds {
            let results = await withTaskGroup(of: (String, Result<[UInt8], UpstreamError>?).self) { group in
                for index in 0..<10 {
                    let name = "r\(round)-\(index).idle.example."
                    group.addTask { (name, await ask(channel, DNSTestMessage.query(id: UInt16(round), name: name), limit: .seconds(10))) }
                }
                var results: [(String, Result<[UInt8], UpstreamError>?)] = []
                for await result in group { results.append(result) }
                return results
            }
            for (name, result) in results {
                guard case .success(let bytes)? = result, let answer = DNSTestMessage.parseAnswer(bytes),
                      answer.name == name, answer.addresses.first == DNSTestMessage.address(for: name)
                else {
                    failures.append("round \(round) \(name): \(String(describing: result))")
                    continue
                }
            }
            // Idle: c-ares has closed every socket and the descriptors are really closed.
            let idle = await eventually { inspect(channel) { $0.openSockets.isEmpty && $0.watches.isEmpty } }
            #expect(idle, "round \(round): sockets still open")
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(failures.isEmpty, "\(failures.count) failed, first: \(failures.prefix(3))")
        let statistics = inspect(channel) { $0.statistics }
        #expect(statistics.socketsOpened >= rounds * (overTCP ? 2 : 1))
        #expect(statistics.socketsClosed == statistics.socketsOpened)
        #expect(statistics.descriptorUses.values.contains { $0 >= 2 }, "no descriptor number was reused: \(statistics.descriptorUses)")
    }

    @Test func configurationAndQueryAreChecked() async throws {
        #expect(throws: UpstreamError(code: .noServers, message: "no upstream server configured")) {
            try UpstreamChannel(configuration: UpstreamConfiguration(servers: []))
        }
        let loopback = SocketAddress(ip: .v4(IPv4Address(127, 0, 0, 1)), port: 53)
        #expect(throws: UpstreamError.self) {
            try UpstreamChannel(configuration: UpstreamConfiguration(servers: [loopback], timeout: .zero))
        }
        #expect(throws: UpstreamError.self) {
            try UpstreamChannel(configuration: UpstreamConfiguration(servers: [loopback], tries: 0))
        }
        let channel = try channel([loopback])
        defer { channel.shutdown() }
        let result = try #require(await ask(channel, [0, 1, 2]))
        if case .failure(let error) = result { #expect(error.code == .badQuery) } else { Issue.record("a 3-byte query was answered") }
    }
}

/// User plus system CPU time of this process.
private func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
}
