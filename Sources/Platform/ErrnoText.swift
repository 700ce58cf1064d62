#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The C library's words for an `errno` value ("Connection refused"): how every failed system
/// call is described to the user.
public func errnoText(_ code: Int32) -> String {
    String(cString: strerror(code))
}
