import IPAddress

#if canImport(Glibc)
import Glibc
#endif

/// Whether an address belongs to this host: loopback, or assigned to one of its interfaces.
enum LocalAddresses {
    static func contains(_ address: IPAddress) -> Bool {
        let address = address.unmapped
        switch address {
        case .v4(let v4) where v4.value >> 24 == 127: return true
        case .v6(let v6) where v6.high == 0 && v6.low == 1: return true
        default: break
        }
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return false }
        defer { freeifaddrs(list) }
        var entry = list
        while let current = entry {
            if let raw = current.pointee.ifa_addr, let local = SocketAddress(storage: UnsafeRawPointer(raw)), local.ip.unmapped == address {
                return true
            }
            entry = current.pointee.ifa_next
        }
        return false
    }
}
