/// Where a response goes: implemented by the transport's reply channel. `send` is called at
/// most once per query, synchronously for local answers and cache hits, later (from an upstream
/// queue) for forwarded ones; never calling it drops the query.
public protocol ResponseSink: Sendable {
    func send(_ response: [UInt8])
}
