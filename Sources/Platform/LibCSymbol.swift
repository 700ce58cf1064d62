#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The address of a C library function that Swift's libc module does not declare (those behind
/// `_GNU_SOURCE`, or in headers it leaves out such as <malloc.h>), or nil when the library
/// lacks it. Callers cast it to the function's `@convention(c)` type once.
public func libCSymbol(_ name: String) -> UnsafeMutableRawPointer? {
    dlsym(UnsafeMutableRawPointer(bitPattern: 0), name)
}
