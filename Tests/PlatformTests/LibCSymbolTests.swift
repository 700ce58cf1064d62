import Platform
import Testing

@Suite struct LibCSymbolTests {
    @Test func findsWhatTheLibraryHasAndNothingElse() {
        #expect(libCSymbol("malloc_trim") != nil)
        #expect(libCSymbol("recvmmsg") != nil)
        #expect(libCSymbol("vpcdns_no_such_function") == nil)
    }
}
