import DNSWire
import IPAddress

/// The DNS names AWS gives EC2 network interfaces in a region (AWS-DNS-RULES 11.2): IP-based
/// (`ip-10-10-5-5.ap-northeast-1.compute.internal`, `ip-10-10-5-5.ec2.internal` in us-east-1),
/// resource-based (`i-0123456789abcdef0.<same domain>`) and public
/// (`ec2-203-0-113-25.ap-northeast-1.compute.amazonaws.com`, `…compute-1.amazonaws.com` in us-east-1).
struct EC2Names: Sendable {
    /// Where private names live: `ec2.internal` in us-east-1, else `<region>.compute.internal`.
    let privateDomain: DNSName
    /// Older private domains that are autodefined too but hold no names (`compute-1.internal`).
    let legacyPrivateDomains: [DNSName]
    /// Where public names live: `compute-1.amazonaws.com` in us-east-1, else
    /// `<region>.compute.amazonaws.com` (`.amazonaws.com.cn` in China).
    let publicDomain: DNSName

    init(region: String) {
        let suffix = Region.partitionSuffix(region)
        if region == "us-east-1" {
            privateDomain = "ec2.internal."
            legacyPrivateDomains = ["compute-1.internal."]
            publicDomain = (try? DNSName("compute-1.\(suffix)")) ?? .root
        } else {
            privateDomain = (try? DNSName("\(region).compute.internal")) ?? .root
            legacyPrivateDomains = []
            publicDomain = (try? DNSName("\(region).compute.\(suffix)")) ?? .root
        }
    }

    func ipName(_ address: IPv4Address) -> DNSName {
        Self.name(label: "ip-" + Self.dashed(address), under: privateDomain)
    }

    func resourceName(_ id: String) -> DNSName {
        Self.name(label: id, under: privateDomain)
    }

    func publicName(_ address: IPv4Address) -> DNSName {
        Self.name(label: "ec2-" + Self.dashed(address), under: publicDomain)
    }

    /// The address in a name's first label `<prefix>a-b-c-d`, when `name` is directly under `domain`.
    static func address(in name: DNSName, prefix: String, under domain: DNSName) -> IPv4Address? {
        guard name.labelCount == domain.labelCount + 1, name.isSubdomain(of: domain),
              let first = name.labels.first else { return nil }
        let text = String(decoding: first, as: UTF8.self).lowercased()
        guard text.hasPrefix(prefix) else { return nil }
        let octets = text.dropFirst(prefix.count).split(separator: "-", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        return IPv4Address(octets.joined(separator: "."))
    }

    private static func dashed(_ address: IPv4Address) -> String {
        address.bytes.map(String.init).joined(separator: "-")
    }

    private static func name(label: String, under domain: DNSName) -> DNSName {
        (try? domain.prepending(label: Array(label.utf8))) ?? domain
    }
}

/// Reverse names (RFC 1035 `in-addr.arpa`, RFC 3596 `ip6.arpa`).
enum ReverseNames {
    static let inAddrArpa: DNSName = "in-addr.arpa."
    static let ip6Arpa: DNSName = "ip6.arpa."

    static func name(_ address: IPAddress) -> DNSName {
        switch address {
        case .v4(let v4): return name(octets: v4.bytes[...])
        case .v6(let v6): return name(nibbles: v6.bytes.flatMap { [$0 >> 4, $0 & 0xf] }[...])
        }
    }

    /// `<last octet>.….<first octet>.in-addr.arpa`.
    static func name(octets: ArraySlice<UInt8>) -> DNSName {
        (try? DNSName(labels: octets.reversed().map { Array(String($0).utf8) } + inAddrArpa.labels.map(Array.init))) ?? inAddrArpa
    }

    /// `<last nibble>.….<first nibble>.ip6.arpa`.
    static func name(nibbles: ArraySlice<UInt8>) -> DNSName {
        (try? DNSName(labels: nibbles.reversed().map { Array(String($0, radix: 16).utf8) } + ip6Arpa.labels.map(Array.init))) ?? ip6Arpa
    }

    /// The octets a name under `in-addr.arpa` stands for, first octet first (at most 4); nil
    /// when a label is not a decimal octet.
    static func octets(of name: DNSName) -> [UInt8]? {
        guard name.isSubdomain(of: inAddrArpa) else { return nil }
        let labels = name.labels.dropLast(2)
        guard labels.count <= 4 else { return nil }
        var octets: [UInt8] = []
        for label in labels.reversed() {
            let text = String(decoding: label, as: UTF8.self)
            guard !text.isEmpty, text.count <= 3, text.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let value = UInt8(text), text == String(value) else { return nil }
            octets.append(value)
        }
        return octets
    }

    /// The reverse zones that cover exactly `block`: one zone at the next octet (IPv4) or
    /// nibble (IPv6) boundary at or below its prefix length, so `10.10.0.0/16` gives
    /// `10.10.in-addr.arpa` and `10.10.16.0/20` the sixteen zones `16.10.10.in-addr.arpa` … `31.…`.
    static func zones(of block: CIDR) -> [DNSName] {
        switch block.network {
        case .v4(let network):
            let boundary = (block.prefixLength + 7) / 8 * 8
            return (0..<(1 << (boundary - block.prefixLength))).map { index in
                let first = IPv4Address(network.value | (boundary == 0 ? 0 : UInt32(index) << (32 - boundary)))
                return name(octets: first.bytes.prefix(boundary / 8))
            }
        case .v6(let network):
            let boundary = (block.prefixLength + 3) / 4 * 4
            let nibbles = network.bytes.flatMap { [$0 >> 4, $0 & 0xf] }
            return (0..<(1 << (boundary - block.prefixLength))).map { index in
                var zone = Array(nibbles.prefix(boundary / 4))
                var rest = index
                var position = zone.count - 1
                while rest > 0, position >= 0 {
                    zone[position] |= UInt8(rest & 0xf)
                    rest >>= 4
                    position -= 1
                }
                return name(nibbles: zone[...])
            }
        }
    }
}
