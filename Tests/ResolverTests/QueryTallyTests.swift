import DNSCache
import DNSWire
import IPAddress
import Resolver
import Synchronization
import Testing
import VPCConfig
import VPCModel

/// The engine counts every query through its `QueryCounter` and builds the full `QueryEvent`
/// only while the query log reads them.
@Suite struct QueryTallyTests {
    final class Recorder: QueryCounter {
        let tallies = Mutex<[QueryTally]>([])
        func count(_ tally: QueryTally) { tallies.withLock { $0.append(tally) } }
        let events = Mutex<[QueryEvent]>([])
        let logging = Atomic<Bool>(false)
    }

    static func engine(_ recorder: Recorder) throws -> QueryEngine {
        let config = try ConfigLoader.parse(yaml: EngineTests.yaml, file: "test.yaml", baseDirectory: "/tmp")
        let model = try ResolutionModel(config: config, zoneRoot: "/tmp")
        let pool = try UpstreamPool(sets: model.upstreamSets, timeout: .milliseconds(100), tries: 1)
        return QueryEngine(state: ServingState(model: model, upstreams: pool), cache: DNSCache(),
                           observer: { event in recorder.events.withLock { $0.append(event) } },
                           counter: recorder,
                           isObserving: { recorder.logging.load(ordering: .relaxed) })
    }

    func ask(_ engine: QueryEngine, _ name: DNSName, _ type: RRType = .a, from client: SocketAddress = EngineTests.vpcClient) {
        var header = Header(id: 7)
        header.recursionDesired = true
        let bytes = try! Message(header: header, questions: [Question(name: name, type: type)]).encode()
        bytes.withUnsafeBytes { engine.handle($0, client: client, local: nil, overTCP: false, lane: 0, sink: CapturingSink()) }
    }

    @Test func everyQueryIsTalliedWithoutBuildingEventsWhileNoLogReads() throws {
        let recorder = Recorder()
        let engine = try Self.engine(recorder)
        ask(engine, "ssm.us-east-1.amazonaws.com.", .aaaa)
        ask(engine, "vpce-0123456789abcdef0-abcdefgh.ssm.us-east-1.vpce.amazonaws.com.", .aaaa)
        ask(engine, "ssm.us-east-1.amazonaws.com.", .aaaa, from: SocketAddress("192.0.2.9:53")!)
        [0x12, 0x34, 0x01, 0x00, 0x00, 0x02, 0, 0, 0, 0, 0, 0].withUnsafeBytes {
            engine.handle($0, client: EngineTests.vpcClient, local: nil, overTCP: true, sink: CapturingSink())
        }

        let tallies = recorder.tallies.withLock { $0 }
        #expect(recorder.events.withLock { $0.isEmpty })
        try #require(tallies.count == 4, "\(tallies)")
        let vpc = "vpc-0a1b2c3d4e5f60718"
        #expect(tallies[0].view == vpc && tallies[0].type == .aaaa && tallies[0].rcode == .noError && tallies[0].source == .privateDNS)
        #expect(tallies[1].view == vpc && tallies[1].rcode == .noError && tallies[1].source == .endpointName)
        #expect(tallies[2].view == "default" && tallies[2].rcode == .refused && tallies[2].source == .refused)
        #expect(tallies[3].view == nil && tallies[3].type == nil && tallies[3].rcode == .formErr && tallies[3].transport == .tcp
            && tallies[3].source == .door)
    }

    @Test func eventsFollowTheLogAndTalliesStayTheSame() throws {
        let recorder = Recorder()
        let engine = try Self.engine(recorder)
        recorder.logging.store(true, ordering: .relaxed)
        ask(engine, "ssm.us-east-1.amazonaws.com.", .aaaa)
        recorder.logging.store(false, ordering: .relaxed)
        ask(engine, "ssm.us-east-1.amazonaws.com.", .aaaa)

        let events = recorder.events.withLock { $0 }
        #expect(events.count == 1)
        #expect(events.first?.answers.count == 26)
        #expect(events.first?.question?.name == "ssm.us-east-1.amazonaws.com.")
        let tallies = recorder.tallies.withLock { $0 }
        try #require(tallies.count == 2)
        #expect(tallies.allSatisfy { $0.source == .privateDNS && $0.rcode == .noError })
    }
}
