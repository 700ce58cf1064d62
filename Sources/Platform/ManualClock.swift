import Synchronization

/// A `MillisecondClock` that moves only when told to; for tests.
public final class ManualClock: MillisecondClock {
    private let milliseconds: Mutex<UInt64>

    public init(milliseconds: UInt64 = 0) {
        self.milliseconds = Mutex(milliseconds)
    }

    public func now() -> UInt64 { milliseconds.withLock { $0 } }

    public func advance(seconds: UInt64) { advance(milliseconds: seconds * 1000) }

    public func advance(milliseconds delta: UInt64) { milliseconds.withLock { $0 += delta } }
}
