/// Where a response goes: implemented by the transport's reply channel. `send` is called at
/// most once per query, synchronously for local answers and cache hits, later (from an upstream
/// queue) for forwarded ones; never calling it drops the query.
public protocol ResponseSink: Sendable {
    func send(_ response: [UInt8])
}

extension ResponseSink {
    /// Sends a response held in a buffer valid only during the call (replies assembled in
    /// place); sinks that can send it without an array implement this themselves.
    public func send(_ response: UnsafeRawBufferPointer) {
        send(Array(response))
    }
}
