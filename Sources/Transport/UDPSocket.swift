#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import IPAddress
import Synchronization

/// Control-message layout (the CMSG_* macros do not reach Swift).
enum ControlMessage {
    static let alignment = MemoryLayout<Int>.size
    static func align(_ length: Int) -> Int { (length + alignment - 1) & ~(alignment - 1) }
    static let headerSize = align(MemoryLayout<cmsghdr>.size)
    static func length(_ dataLength: Int) -> Int { headerSize + dataLength }
    static func space(_ dataLength: Int) -> Int { headerSize + align(dataLength) }
    /// Enough for one IP_PKTINFO or IPV6_PKTINFO message.
    static let bufferSize = 64
}

/// The sending side of one UDP socket; shared by its receiver and every `ReplyChannel` it made.
///
/// Owns the fd: it is closed exactly once, and never while a send is under way, so a late reply
/// from another thread can never go out on a reused fd number. No lock is held across a system
/// call: each send counts itself in `users` and backs off once `closed` is set; `close` sets it
/// and waits for the sends already started (each a non-blocking call) to finish.
///
/// Replies sent on the receiving thread while it handles a `recvmmsg` batch are not sent one by
/// one: they are copied into the `Outbox` and leave together in one `sendmmsg` when the batch is
/// done. Replies from any other thread (forwarded answers) go out at once with `sendmsg`.
final class UDPSender: @unchecked Sendable {
    // @unchecked: `closed` and `users` are atomics; `outbox` is touched only by the receiving
    // thread while it owns the batch (see `Outbox.owner`).
    private let closed = Atomic<Bool>(false)
    private let users = Atomic<Int>(0)
    let fd: Int32
    let outbox: Outbox

    init(fd: Int32, batch: Int) {
        self.fd = fd
        outbox = Outbox(capacity: batch)
    }

    deinit { outbox.free() }

    func close() {
        guard !closed.exchange(true, ordering: .sequentiallyConsistent) else { return }
        while users.load(ordering: .sequentiallyConsistent) > 0 { sched_yield() }
        _ = Glibc.close(fd)
    }

    /// Runs `body` with the fd unless the socket is closed; `close` waits for it to return.
    @inline(__always)
    private func whileOpen(_ body: () -> Void) {
        users.add(1, ordering: .sequentiallyConsistent)
        defer { users.subtract(1, ordering: .sequentiallyConsistent) }
        guard !closed.load(ordering: .sequentiallyConsistent) else { return }
        body()
    }

    /// Sends one reply with its source address in a PKTINFO control message: into the batch when
    /// called by the receiving thread during a batch, else at once.
    func send(_ bytes: UnsafeRawBufferPointer, to client: SocketAddress, from source: IPAddress?, interface: UInt32) {
        if outbox.isOwnedByCurrentThread, outbox.append(bytes, to: client, from: source, interface: interface) { return }
        let nameSize = SocketCalls.storageSize
        withUnsafeTemporaryAllocation(byteCount: nameSize + ControlMessage.bufferSize, alignment: 8) { scratch in
            let name = scratch.baseAddress!
            let control = name + nameSize
            var vector = iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress), iov_len: bytes.count)
            withUnsafeMutablePointer(to: &vector) { vector in
                var message = msghdr()
                Outbox.fill(&message, name: name, control: control, vector: vector, client: client, source: source, interface: interface)
                whileOpen {
                    while sendmsg(fd, &message, SocketCalls.noSignal | SocketCalls.dontWait) < 0 && errno == EINTR {}
                }
            }
        }
    }

    /// Sends what the outbox holds with `sendmmsg` and empties it. A reply the kernel refuses
    /// (full buffer, unreachable peer) is dropped, as a lost datagram would be; the rest still go.
    func flush() {
        let count = outbox.count
        guard count > 0 else { return }
        whileOpen {
            var start = 0
            while start < count {
                let sent = GNUCalls.sendmmsg(fd, outbox.headers + start, UInt32(count - start), SocketCalls.noSignal | SocketCalls.dontWait)
                if sent > 0 {
                    start += Int(sent)
                } else if sent < 0 && errno == EINTR {
                    continue
                } else {
                    start += 1
                }
            }
        }
        outbox.count = 0
    }
}

/// The replies of one `recvmmsg` batch waiting for their `sendmmsg`: a fixed slot per reply
/// (datagram, address, PKTINFO), allocated once per socket.
final class Outbox: @unchecked Sendable {
    // @unchecked: everything but `owner` is touched only by the thread `owner` names.
    /// The largest reply that waits in the batch: a UDP reply never exceeds the 4096 bytes
    /// vpcdns advertises; anything larger would go out on its own.
    static let slotSize = 4096

    private let owner = Atomic<UInt>(0)
    let capacity: Int
    var count = 0
    let headers: UnsafeMutablePointer<GNUCalls.MultiMessageHeader>
    private let data: UnsafeMutableRawPointer
    private let names: UnsafeMutableRawPointer
    private let controls: UnsafeMutableRawPointer
    private let vectors: UnsafeMutablePointer<iovec>

    init(capacity: Int) {
        self.capacity = capacity
        headers = .allocate(capacity: capacity)
        headers.initialize(repeating: GNUCalls.MultiMessageHeader(), count: capacity)
        data = .allocate(byteCount: capacity * Self.slotSize, alignment: 16)
        names = .allocate(byteCount: capacity * SocketCalls.storageSize, alignment: 16)
        controls = .allocate(byteCount: capacity * ControlMessage.bufferSize, alignment: 16)
        vectors = .allocate(capacity: capacity)
        vectors.initialize(repeating: iovec(), count: capacity)
    }

    func free() {
        headers.deallocate(); data.deallocate(); names.deallocate(); controls.deallocate(); vectors.deallocate()
    }

    /// Starts (`true`) or ends a batch on the calling thread.
    func own(_ owned: Bool) {
        owner.store(owned ? UInt(pthread_self()) : 0, ordering: .relaxed)
    }

    var isOwnedByCurrentThread: Bool {
        let current = owner.load(ordering: .relaxed)
        return current != 0 && current == UInt(pthread_self())
    }

    /// Copies one reply into the next slot; false when it does not fit (the caller sends it alone).
    func append(_ bytes: UnsafeRawBufferPointer, to client: SocketAddress, from source: IPAddress?, interface: UInt32) -> Bool {
        guard count < capacity, bytes.count <= Self.slotSize, let base = bytes.baseAddress else { return false }
        let slot = count
        let buffer = data + slot * Self.slotSize
        buffer.copyMemory(from: base, byteCount: bytes.count)
        vectors[slot] = iovec(iov_base: buffer, iov_len: bytes.count)
        headers[slot].msg_len = 0
        Self.fill(&headers[slot].msg_hdr, name: names + slot * SocketCalls.storageSize,
                  control: controls + slot * ControlMessage.bufferSize, vector: vectors + slot,
                  client: client, source: source, interface: interface)
        count += 1
        return true
    }

    /// Fills `message` to send `vector` to `client` from `source` (PKTINFO), writing the address
    /// and control message into `name` and `control`.
    static func fill(_ message: inout msghdr, name: UnsafeMutableRawPointer, control: UnsafeMutableRawPointer,
                     vector: UnsafeMutablePointer<iovec>, client: SocketAddress, source: IPAddress?, interface: UInt32) {
        var controlLength = 0
        switch source {
        case .v4(let v4)?:
            var info = in_pktinfo()
            info.ipi_spec_dst.s_addr = v4.value.bigEndian
            controlLength = putControl(control, level: Int32(IPPROTO_IP), type: Int32(IP_PKTINFO), value: info)
        case .v6(let v6)?:
            var info = GNUCalls.IPv6PacketInfo()
            info.ipi6_addr = SocketCalls.in6(v6)
            info.ipi6_ifindex = interface
            controlLength = putControl(control, level: Int32(IPPROTO_IPV6), type: Int32(IPV6_PKTINFO), value: info)
        case nil:
            break
        }
        message = msghdr()
        message.msg_name = name
        message.msg_namelen = SocketCalls.write(client, into: name)
        message.msg_iov = vector
        message.msg_iovlen = 1
        message.msg_control = controlLength > 0 ? control : nil
        message.msg_controllen = controlLength
    }

    private static func putControl<T>(_ control: UnsafeMutableRawPointer, level: Int32, type: Int32, value: T) -> Int {
        let size = MemoryLayout<T>.size
        var header = cmsghdr()
        header.cmsg_len = ControlMessage.length(size)
        header.cmsg_level = level
        header.cmsg_type = type
        control.storeBytes(of: header, as: cmsghdr.self)
        (control + ControlMessage.headerSize).storeBytes(of: value, as: T.self)
        return ControlMessage.space(size)
    }
}

/// The receiving side of one UDP socket: its own thread, which sleeps in `poll` until datagrams
/// arrive, drains them with `recvmmsg` into buffers allocated once, and calls the handler for each.
///
/// A thread of its own rather than a Dispatch read source: with a source, every readiness event
/// goes from Dispatch's epoll thread to a worker thread (about four context switches per query at
/// moderate rates); here a query costs the one wake-up of this thread, as in unbound.
final class UDPReceiver: @unchecked Sendable {
    // @unchecked: the buffers are touched only by the socket's thread; `wake` is set in `init`.
    let sender: UDPSender
    private let handler: any RequestHandler
    /// The bound address: its port completes the PKTINFO destination; its IP is the fallback.
    private let bound: SocketAddress
    private let batch: Int
    private let perEvent: Int
    /// This socket's position among the listeners' UDP sockets, passed up as `QueryOrigin.lane`.
    private let lane: Int
    /// A pipe whose read end wakes the thread to stop.
    private let wake: (read: Int32, write: Int32)

    /// Room for the largest query a client sending EDNS with vpcdns's 4096-byte payload size
    /// sends; a longer datagram is cut by the kernel (MSG_TRUNC) and dropped.
    static let slotSize = 4096
    private var data: UnsafeMutableRawPointer?
    private var names: UnsafeMutableRawPointer?
    private var controls: UnsafeMutableRawPointer?
    private var vectors: UnsafeMutablePointer<iovec>?
    private var headers: UnsafeMutablePointer<GNUCalls.MultiMessageHeader>?

    init(fd: Int32, bound: SocketAddress, lane: Int, handler: any RequestHandler, options: TransportOptions,
         endpoint: String) throws(TransportError) {
        var pipe: [Int32] = [-1, -1]
        guard Glibc.pipe(&pipe) == 0 else { throw TransportError(operation: "pipe", endpoint: endpoint, code: errno) }
        for end in pipe { _ = fcntl(end, F_SETFL, O_NONBLOCK); _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        wake = (pipe[0], pipe[1])
        batch = min(options.udpBatchSize, options.udpMaxDatagramsPerEvent)
        sender = UDPSender(fd: fd, batch: batch)
        self.bound = bound
        self.lane = lane
        self.handler = handler
        perEvent = options.udpMaxDatagramsPerEvent
    }

    deinit {
        _ = Glibc.close(wake.read)
        _ = Glibc.close(wake.write)
    }

    /// Starts the socket's thread. `group` is left once it stopped reading (the socket itself is
    /// closed by `Listeners.stop`: replies to queries still being answered may go out until then).
    func start(group: DispatchGroup) {
        group.enter()
        let context = Unmanaged.passRetained(Running(receiver: self, group: group)).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { context in
            let running = Unmanaged<Running>.fromOpaque(context!).takeRetainedValue()
            running.receiver.run()
            running.group.leave()
            return nil
        }, context)
        if created == 0 {
            pthread_detach(thread)
        } else {
            Unmanaged<Running>.fromOpaque(context).release()
            group.leave()
        }
    }

    /// What the thread needs, handed over as one retained object.
    private final class Running {
        let receiver: UDPReceiver
        let group: DispatchGroup
        init(receiver: UDPReceiver, group: DispatchGroup) {
            self.receiver = receiver
            self.group = group
        }
    }

    /// Stops reading: wakes the thread, which frees its buffers and ends.
    func cancel() {
        var byte: UInt8 = 1
        _ = Glibc.write(wake.write, &byte, 1)
    }

    /// The thread's loop: wait for datagrams or the stop signal, drain, repeat.
    private func run() {
        allocateBuffers()
        defer { freeBuffers() }
        var polled = [pollfd(fd: sender.fd, events: Int16(POLLIN), revents: 0),
                      pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
        while true {
            let ready = poll(&polled, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            if polled[1].revents != 0 { return }
            if polled[0].revents & Int16(POLLNVAL) != 0 { return }
            if polled[0].revents != 0 { drain() }
        }
    }

    private func allocateBuffers() {
        let data = UnsafeMutableRawPointer.allocate(byteCount: batch * Self.slotSize, alignment: 16)
        let names = UnsafeMutableRawPointer.allocate(byteCount: batch * SocketCalls.storageSize, alignment: 16)
        let controls = UnsafeMutableRawPointer.allocate(byteCount: batch * ControlMessage.bufferSize, alignment: 16)
        let vectors = UnsafeMutablePointer<iovec>.allocate(capacity: batch)
        let headers = UnsafeMutablePointer<GNUCalls.MultiMessageHeader>.allocate(capacity: batch)
        for slot in 0..<batch {
            vectors[slot] = iovec(iov_base: data + slot * Self.slotSize, iov_len: Self.slotSize)
            var header = GNUCalls.MultiMessageHeader()
            header.msg_hdr.msg_name = names + slot * SocketCalls.storageSize
            header.msg_hdr.msg_iov = vectors + slot
            header.msg_hdr.msg_iovlen = 1
            header.msg_hdr.msg_control = controls + slot * ControlMessage.bufferSize
            headers[slot] = header
        }
        (self.data, self.names, self.controls, self.vectors, self.headers) = (data, names, controls, vectors, headers)
    }

    private func freeBuffers() {
        data?.deallocate(); names?.deallocate(); controls?.deallocate()
        vectors?.deallocate(); headers?.deallocate()
        (data, names, controls, vectors, headers) = (nil, nil, nil, nil, nil)
    }

    /// Reads until the socket is empty or this event's budget is spent.
    private func drain() {
        guard let headers else { return }
        var budget = perEvent
        while budget > 0 {
            let want = min(batch, budget)
            for slot in 0..<want {
                headers[slot].msg_hdr.msg_namelen = socklen_t(SocketCalls.storageSize)
                headers[slot].msg_hdr.msg_controllen = ControlMessage.bufferSize
                headers[slot].msg_hdr.msg_flags = 0
                headers[slot].msg_len = 0
            }
            let count = GNUCalls.recvmmsg(sender.fd, headers, UInt32(want), SocketCalls.dontWait)
            if count < 0 {
                if errno == EINTR { continue }
                return  // EAGAIN: drained. Other errors (e.g. ICMP-reported) are per datagram: try next event.
            }
            sender.outbox.own(true)
            for slot in 0..<Int(count) { deliver(headers[slot]) }
            sender.outbox.own(false)
            sender.flush()
            budget -= Int(count)
            if Int(count) < want { return }
        }
    }

    @inline(__always)
    private func deliver(_ header: GNUCalls.MultiMessageHeader) {
        let length = Int(header.msg_len)
        guard header.msg_hdr.msg_flags & SocketCalls.truncated == 0, length <= Self.slotSize,
              let client = SocketCalls.address(from: header.msg_hdr.msg_name) else { return }
        var destination: IPAddress?
        var interface: UInt32 = 0
        var offset = 0
        let control = header.msg_hdr.msg_control!
        let controlLength = header.msg_hdr.msg_controllen
        while offset + ControlMessage.headerSize <= controlLength {
            let message = (control + offset).load(as: cmsghdr.self)
            guard message.cmsg_len >= ControlMessage.headerSize, offset + message.cmsg_len <= controlLength else { break }
            let body = control + offset + ControlMessage.headerSize
            if message.cmsg_level == IPPROTO_IP && message.cmsg_type == IP_PKTINFO {
                let info = body.loadUnaligned(as: in_pktinfo.self)
                destination = .v4(IPv4Address(UInt32(bigEndian: info.ipi_addr.s_addr)))
            } else if message.cmsg_level == IPPROTO_IPV6 && message.cmsg_type == IPV6_PKTINFO {
                let info = body.loadUnaligned(as: GNUCalls.IPv6PacketInfo.self)
                destination = .v6(SocketCalls.ipv6(info.ipi6_addr))
                interface = info.ipi6_ifindex
            }
            offset += ControlMessage.align(message.cmsg_len)
        }
        let origin = QueryOrigin(client: client.unmapped,
                                 local: SocketAddress(ip: (destination ?? bound.ip).unmapped, port: bound.port),
                                 transport: .udp, lane: lane)
        let reply = ReplyChannel(.udp(sender, client: client, source: destination, interface: interface))
        handler.handle(UnsafeRawBufferPointer(start: header.msg_hdr.msg_iov.pointee.iov_base, count: length),
                       origin: origin, reply: reply)
    }

    /// Sets the options a UDP listening socket on `address` needs: a large receive buffer, and
    /// for a wildcard address destination-address reporting (PKTINFO), so that each reply leaves
    /// from the address its query was sent to. A socket bound to one address needs no PKTINFO:
    /// every query arrives at, and every reply leaves from, that address, and the kernel is spared
    /// a control message on every datagram both ways.
    static func configure(fd: Int32, address: SocketAddress, options: TransportOptions, endpoint: String) throws(TransportError) {
        if address.ip.isUnspecified {
            if address.family == AF_INET6 {
                try SocketCalls.setOption(fd, Int32(IPPROTO_IPV6), Int32(IPV6_RECVPKTINFO), 1, "IPV6_RECVPKTINFO", endpoint: endpoint)
            } else {
                try SocketCalls.setOption(fd, Int32(IPPROTO_IP), Int32(IP_PKTINFO), 1, "IP_PKTINFO", endpoint: endpoint)
            }
        }
        SocketCalls.setReceiveBuffer(fd, size: options.receiveBufferSize)
    }
}
