#if canImport(Glibc)
import Glibc
#endif
import Platform

/// Linux calls and structures that glibc declares only under `_GNU_SOURCE`, which Swift's Glibc
/// module does not define. The functions are looked up once with `dlsym`, the structures are
/// mirrored with their C layout (checked at first use).
enum GNUCalls {
    /// `struct mmsghdr`.
    struct MultiMessageHeader {
        var msg_hdr = msghdr()
        var msg_len: UInt32 = 0
    }

    /// `struct in6_pktinfo`.
    struct IPv6PacketInfo {
        var ipi6_addr = in6_addr()
        var ipi6_ifindex: UInt32 = 0
    }

    private typealias RecvMMsg = @convention(c) (Int32, UnsafeMutableRawPointer?, UInt32, Int32,
                                                 UnsafeMutableRawPointer?) -> Int32
    private typealias SendMMsg = @convention(c) (Int32, UnsafeMutableRawPointer?, UInt32, Int32) -> Int32
    private typealias Accept4 = @convention(c) (Int32, UnsafeMutablePointer<sockaddr>?,
                                                UnsafeMutablePointer<socklen_t>?, Int32) -> Int32

    private static let recvmmsgFunction: RecvMMsg = {
        precondition(MemoryLayout<MultiMessageHeader>.stride == 64
                     && MemoryLayout<MultiMessageHeader>.offset(of: \.msg_len) == MemoryLayout<msghdr>.size
                     && MemoryLayout<IPv6PacketInfo>.size == 20, "struct mmsghdr / in6_pktinfo layout")
        return unsafeBitCast(symbol("recvmmsg"), to: RecvMMsg.self)
    }()

    private static let sendmmsgFunction: SendMMsg = unsafeBitCast(symbol("sendmmsg"), to: SendMMsg.self)

    private static let accept4Function: Accept4 = unsafeBitCast(symbol("accept4"), to: Accept4.self)

    private typealias SchedGetAffinity = @convention(c) (Int32, Int, UnsafeMutableRawPointer?) -> Int32
    private static let schedGetAffinityFunction = unsafeBitCast(symbol("sched_getaffinity"), to: SchedGetAffinity.self)

    private static func symbol(_ name: String) -> UnsafeMutableRawPointer {
        guard let address = libCSymbol(name) else { fatalError("libc lacks \(name)") }
        return address
    }

    static func recvmmsg(_ fd: Int32, _ headers: UnsafeMutablePointer<MultiMessageHeader>, _ count: UInt32,
                         _ flags: Int32) -> Int32 {
        recvmmsgFunction(fd, UnsafeMutableRawPointer(headers), count, flags, nil)
    }

    static func sendmmsg(_ fd: Int32, _ headers: UnsafeMutablePointer<MultiMessageHeader>, _ count: UInt32, _ flags: Int32) -> Int32 {
        sendmmsgFunction(fd, UnsafeMutableRawPointer(headers), count, flags)
    }

    /// The number of CPUs in the calling process's affinity mask (`sched_getaffinity`,
    /// `CPU_COUNT`), or nil when it cannot be read.
    static func affinityCPUCount() -> Int? {
        // A 1024-CPU mask, glibc's `cpu_set_t`.
        var mask = [UInt64](repeating: 0, count: 16)
        let status = mask.withUnsafeMutableBytes { schedGetAffinityFunction(0, $0.count, $0.baseAddress) }
        guard status == 0 else { return nil }
        return mask.reduce(0) { $0 + $1.nonzeroBitCount }
    }

    static func accept4(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>, _ length: UnsafeMutablePointer<socklen_t>,
                        _ flags: Int32) -> Int32 {
        accept4Function(fd, address, length, flags)
    }
}
