import DNSWire
import IPAddress
import Testing
@testable import Verify

@Suite("verify")
struct VerifyTests {
    @Test func readsAnAWSQueryLogLine() throws {
        let line = """
            {"srcaddr":"10.10.0.244","vpc_id":"vpc-7example","answers":[{"Rdata":"Target.Example.","Type":"CNAME","Class":"IN"},\
            {"Rdata":"10.10.1.10","Type":"A","Class":"IN"}],"query_name":"ssm.ap-northeast-1.amazonaws.com.","query_class":"IN",\
            "rcode":"NOERROR","query_type":"A","transport":"UDP","version":"1.100000","srcport":"56067"}
            """
        let read = try ExpectationReader.queryLog(line + "\n\n", file: "q.log")
        #expect(read.count == 1)
        #expect(read[0].question == Question(name: "ssm.ap-northeast-1.amazonaws.com.", type: .a))
        #expect(read[0].from == IPAddress("10.10.0.244"))
        #expect(read[0].answers == ["CNAME target.example.", "A 10.10.1.10"])
        #expect(read[0].origin == "q.log:1")
        #expect(throws: ExpectationReader.Invalid.self) { try ExpectationReader.queryLog("{\"query_name\": 1}", file: "q.log") }
    }

    @Test func readsCasesWithDefaults() throws {
        let read = try ExpectationReader.cases("""
            - name: a.test
            - { name: b.test, type: AAAA, from: 10.0.0.1, via: "10.0.0.2:53", rcode: nxdomain, answers: ["aaaa 2001:db8::1"] }
            """, file: "c.yaml")
        #expect(read.count == 2)
        #expect(read[0].question.type == .a && read[0].from == IPAddress("127.0.0.1") && read[0].rcode == .noError)
        #expect(read[1].rcode == .nxDomain && read[1].answers == ["AAAA 2001:db8::1"] && read[1].origin == "c.yaml:2")
    }

    @Test func differencesListRcodeMissingAndUnexpectedRecords() {
        let expected = Expectation(question: Question(name: "a.test.", type: .a), from: IPAddress("10.0.0.1")!, rcode: .noError,
                                   answers: ["A 10.0.0.1", "A 10.0.0.2"], origin: "f:1")
        #expect(VerifyReport.difference(expected, rcode: .noError, answers: ["A 10.0.0.2", "A 10.0.0.1"]) == nil)
        #expect(VerifyReport.difference(expected, rcode: .nxDomain, answers: ["A 10.0.0.3", "A 10.0.0.1"])
                == "  rcode: expected NOERROR, got NXDOMAIN\n  - A 10.0.0.2\n  + A 10.0.0.3")
    }
}
