import IPAddress
import Testing

@Suite struct IPAddressParsing {
    @Test(arguments: ["10.10.1.10", "0.0.0.0", "255.255.255.255", "127.0.0.1", "1.20.100.0", "0.10.0.9"])
    func ipv4RoundTrips(text: String) {
        #expect(IPv4Address(text)?.description == text)
    }

    @Test(arguments: ["10.10.1", "10.10.1.256", "010.1.1.1", "1.2.3.4.5", "", "a.b.c.d", "1..2.3", " 1.2.3.4", "1.2.3.", ".1.2.3",
                      "1.2.3.00", "1.2.3.1000", "1.2.3.4 ", "\u{FF11}.2.3.4", "1.2.3.0x1"])
    func ipv4RejectsMalformed(text: String) {
        #expect(IPv4Address(text) == nil)
    }

    @Test(arguments: [("::1", "::1"), ("fd00:ec2::253", "fd00:ec2::253"), ("2001:DB8:0:0:0:0:0:1", "2001:db8::1")])
    func ipv6Canonical(text: String, canonical: String) {
        #expect(IPv6Address(text)?.description == canonical)
    }

    @Test func ipv6BytesRoundTrip() throws {
        let address = try #require(IPv6Address("2001:db8:1:2:3:4:5:6"))
        #expect(IPv6Address(bytes: address.bytes) == address)
        #expect(address.bytes.count == 16)
    }

    @Test func wildcardsAreUnspecified() {
        #expect(IPAddress("0.0.0.0")?.isUnspecified == true && IPAddress("::")?.isUnspecified == true)
        #expect(IPAddress("127.0.0.1")?.isUnspecified == false && IPAddress("::1")?.isUnspecified == false)
    }

    @Test func mappedIPv4Unmaps() {
        #expect(IPAddress("::ffff:10.0.0.1")?.unmapped == IPAddress("10.0.0.1"))
        #expect(IPAddress("::1")?.unmapped == IPAddress("::1"))
    }
}

@Suite struct CIDRMatching {
    @Test func ipv4Containment() throws {
        let block = try #require(CIDR("10.10.0.0/16"))
        #expect(block.contains(IPAddress("10.10.255.1")!))
        #expect(!block.contains(IPAddress("10.11.0.1")!))
        #expect(block.contains(IPAddress("::ffff:10.10.3.4")!))
        #expect(!block.contains(IPAddress("fd00::1")!))
    }

    @Test func hostBitsAreCleared() {
        #expect(CIDR("10.10.3.4/16")?.description == "10.10.0.0/16")
        #expect(CIDR("127.0.0.1")?.prefixLength == 32)
    }

    @Test func ipv6Containment() throws {
        let block = try #require(CIDR("fd00:ec2::/100"))
        #expect(block.contains(IPAddress("fd00:ec2::253")!))
        #expect(!block.contains(IPAddress("fd00:ec3::253")!))
        #expect(CIDR("::/0")!.contains(IPAddress("2001:db8::1")!))
    }

    @Test(arguments: ["10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "::/129", "x/8", "10.0.0.0/8/8"])
    func rejectsMalformed(text: String) {
        #expect(CIDR(text) == nil)
    }
}

@Suite struct SocketAddressParsing {
    @Test func parsesForms() {
        #expect(SocketAddress("127.0.0.1:5353")?.description == "127.0.0.1:5353")
        #expect(SocketAddress("[::1]:53")?.description == "[::1]:53")
        #expect(SocketAddress("10.0.0.2", defaultPort: 53)?.description == "10.0.0.2:53")
        #expect(SocketAddress("::1", defaultPort: 53)?.description == "[::1]:53")
        #expect(SocketAddress("10.0.0.2") == nil)
        #expect(SocketAddress("10.0.0.2:99999") == nil)
        #expect(SocketAddress("[::1]x") == nil)
    }

    @Test func sockaddrRoundTrip() throws {
        for text in ["127.0.0.3:5353", "[fd00::5]:53"] {
            let address = try #require(SocketAddress(text))
            let back = address.withSockAddr { pointer, _ in SocketAddress(storage: UnsafeRawPointer(pointer)) }
            #expect(back == address)
        }
    }
}
