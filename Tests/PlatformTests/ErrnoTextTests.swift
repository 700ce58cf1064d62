#if canImport(Glibc)
import Glibc
#endif
import Platform
import Testing

@Test func errnoTextIsTheCLibrarysWords() {
    #expect(errnoText(ENOENT) == "No such file or directory")
    #expect(errnoText(ECONNREFUSED) == "Connection refused")
}
