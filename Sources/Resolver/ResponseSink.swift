/// Where a response goes: implemented by the transport's reply channel. `send` is called at
/// most once per query, synchronously for local answers and cache hits, later (from an upstream
/// queue) for forwarded ones; never calling it drops the query.
public protocol ResponseSink: Sendable {
    func send(_ response: [UInt8])
    /// Sends a response held in a buffer valid only during the call (replies assembled in
    /// place); the default copies it into an array for `send(_:)`.
    func send(_ response: UnsafeRawBufferPointer)
}

extension ResponseSink {
    public func send(_ response: UnsafeRawBufferPointer) {
        send(Array(response))
    }
}
