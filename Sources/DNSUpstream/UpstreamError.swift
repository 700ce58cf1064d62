internal import CCAres

/// Why an upstream query produced no answer bytes. DNS error answers (REFUSED, SERVFAIL, ...) are
/// not errors here: they come back as bytes, to be relayed.
public struct UpstreamError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// No server answered in time (`ARES_ETIMEOUT`, or the channel's own deadline).
        case timeout
        /// The servers refused or dropped the connection (`ARES_ECONNREFUSED`, `ARES_EOF`).
        case connectionRefused
        /// The configuration names no server.
        case noServers
        /// The channel was shut down before the query completed (`ARES_EDESTRUCTION`).
        case destroyed
        /// The answer could not be used (`ARES_EBADRESP`, or shorter than a DNS header).
        case malformedAnswer
        /// The query itself cannot be sent: shorter than a DNS header or longer than 65535 bytes
        /// (`ARES_EBADQUERY`).
        case badQuery
        /// Anything else; `aresStatus` and `message` say what.
        case other
    }

    public var code: Code
    /// Human-readable cause; for c-ares failures, `ares_strerror` of the status.
    public var message: String
    /// The raw c-ares status (`ARES_E*`) when the failure came from c-ares.
    public var aresStatus: Int32?

    public init(code: Code, message: String, aresStatus: Int32? = nil) {
        self.code = code
        self.message = message
        self.aresStatus = aresStatus
    }

    /// Keeps the raw status and c-ares's own text for it.
    init(aresStatus status: Int32, context: String? = nil) {
        let code: Code = switch status {
        case ARES_ETIMEOUT: .timeout
        case ARES_ECONNREFUSED, ARES_EOF: .connectionRefused
        case ARES_EDESTRUCTION: .destroyed
        case ARES_EBADRESP: .malformedAnswer
        case ARES_EBADQUERY: .badQuery
        default: .other
        }
        let text = String(cString: ares_strerror(status))
        self.init(code: code, message: context.map { "\($0): \(text)" } ?? text, aresStatus: status)
    }

    public var description: String {
        var text = "upstream \(code): \(message)"
        if let aresStatus { text += " (c-ares status \(aresStatus))" }
        return text
    }

    static let destroyed = UpstreamError(code: .destroyed, message: "the upstream channel was shut down")
}
