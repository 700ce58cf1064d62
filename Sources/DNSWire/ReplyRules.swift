import Platform

/// The header and OPT record of every reply vpcdns sends, in one place: replies built from
/// sections, precompiled local answers and cache hits all take them from here, so an answer's
/// bytes never depend on the path that made it.
///
/// - Header: QR and RA set; ID, opcode, RD and CD copied from the query; AA and TC clear
///   (AWS-DNS-RULES 3.10); AD only for an authenticated answer to a client that set AD or DO
///   (RFC 6840 section 5.8).
/// - OPT: only when the query had one; payload size 4096 whatever the client offered
///   (AWS-DNS-RULES 7.3), the client's DO bit echoed (RFC 3225), version 0, no options.
/// - Size: 512 bytes without EDNS, the client's payload size (at least 512, at most 4096) with
///   it, 65535 over TCP. Over TCP nothing is truncated for size alone: a reply that fills the
///   65,535-byte message once the OPT record is added goes without its additional data and
///   without the OPT. `encode` applies the size rules to a reply built from sections.
public enum ReplyRules {
    /// The UDP payload size vpcdns advertises, and the most it sends over UDP.
    public static let payloadSize = 4096
    /// Bytes of the OPT record vpcdns answers with (root owner, no options).
    public static let optSize = 11

    /// The flags of a reply to a query with `query` flags: QR and RA set, opcode, RD and CD
    /// copied, AA and TC clear, the low four bits of `rcode`, and AD when the answer is
    /// `authenticated` and the query set AD or DO (`dnssecOK`).
    @inline(__always)
    public static func flags(query: UInt16, rcode: UInt16, authenticated: Bool = false, dnssecOK: Bool = false) -> UInt16 {
        let authenticData: UInt16 = authenticated && (query & 0x0020 != 0 || dnssecOK) ? 0x0020 : 0
        return 0x8080 | query & 0x7910 | authenticData | rcode & 0xf
    }

    /// The OPT record of the reply to a query with `query` (nil: the query had none, so the reply has none).
    public static func edns(answering query: EDNS?) -> EDNS? {
        guard let query else { return nil }
        return EDNS(udpPayloadSize: UInt16(payloadSize), dnssecOK: query.dnssecOK)
    }

    /// The largest reply the client can take, from its OPT record's payload size (nil: no OPT record).
    @inline(__always)
    public static func maxSize(payloadSize requested: UInt16?, overTCP: Bool) -> Int {
        if overTCP { return tcpMaxSize }
        guard let requested else { return 512 }
        return min(max(Int(requested), 512), payloadSize)
    }

    /// The most a reply can be: over TCP, a whole DNS message.
    public static let tcpMaxSize = 65535

    /// `reply` encoded in at most `maxSize` bytes: whole RRsets left out and TC set when it does
    /// not fit (`Message.encode(maxSize:)`); over TCP (`maxSize` of `tcpMaxSize`), where the
    /// client cannot retry any larger, a reply that would be truncated goes without its
    /// additional data and OPT instead, and is truncated only if even that does not fit.
    public static func encode(_ reply: Message, maxSize: Int) throws(DNSWireError) -> [UInt8] {
        let wire = try reply.encode(maxSize: maxSize)
        guard maxSize >= tcpMaxSize, Header(flags: wire.bigEndianUInt16(at: 2)).truncated else { return wire }
        var fitted = reply
        fitted.additionals = []
        fitted.edns = nil
        return try fitted.encode(maxSize: maxSize)
    }

    /// Writes the `optSize` bytes of the OPT record `edns(answering:)` makes for a query with
    /// `dnssecOK`, without building it: the same bytes `EDNS.encode` writes for it.
    @inline(__always)
    public static func writeOPT(dnssecOK: Bool, to opt: UnsafeMutablePointer<UInt8>) {
        opt[0] = 0
        opt.storeBigEndian(RRType.opt.rawValue, at: 1)
        opt.storeBigEndian(UInt16(payloadSize), at: 3)
        opt[5] = 0
        opt[6] = 0
        opt[7] = dnssecOK ? 0x80 : 0
        opt[8] = 0
        opt[9] = 0
        opt[10] = 0
    }
}
