import IPAddress

/// `metrics:` — the Prometheus endpoint (`/metrics`, `/health`, `/ready`) on a plain HTTP
/// listener. Absent means no listener.
public struct MetricsSettings: Hashable, Sendable, ConfigLocatable {
    /// `listen` (required): `ip:port` (or `[ipv6]:port`) of the HTTP listener; port 0 asks the
    /// kernel for one (tests). Keep it on loopback or a management network: it has no
    /// authentication.
    public var listen: SocketAddress
    public var origin: ConfigOrigin

    public init(listen: SocketAddress, origin: ConfigOrigin = ConfigOrigin()) {
        self.listen = listen
        self.origin = origin
    }
}

/// `control:` — the Unix socket `vpcdns ctl` talks to. Absent means no control socket.
public struct ControlSettings: Hashable, Sendable, ConfigLocatable {
    /// `socket` (required): the socket's path, made absolute against the config file's folder.
    public var socket: String
    /// `group`: a group whose members may use the socket too (mode 0660); default none (0600:
    /// only the daemon's own user, and root).
    public var group: String?
    public var origin: ConfigOrigin

    public init(socket: String, group: String? = nil, origin: ConfigOrigin = ConfigOrigin()) {
        self.socket = socket
        self.group = group
        self.origin = origin
    }
}

/// `explain:` — who may ask for the reason of an answer on the wire, with a CHAOS-class TXT
/// query for `[_TYPE.]NAME.explain.vpcdns.`. Absent means nobody.
public struct ExplainSettings: Hashable, Sendable, ConfigLocatable {
    /// `allow` (required): client CIDR blocks that may ask.
    public var allow: [CIDR]
    public var origin: ConfigOrigin

    public init(allow: [CIDR], origin: ConfigOrigin = ConfigOrigin()) {
        self.allow = allow
        self.origin = origin
    }
}
