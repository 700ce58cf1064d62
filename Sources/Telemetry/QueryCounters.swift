import Atomics
import Resolver
import Synchronization

/// Per-query counters, counted on whatever queue answered the query with relaxed atomic adds:
/// no lock and no allocation per query. Read (and bridged into Prometheus) at scrape time.
///
/// The view label is looked up in an immutable table published through one atomic pointer;
/// a view first seen (after a reload) takes a lock once to join the table. The engine hands over
/// the view's own name string, so the lookup is a short scan whose comparisons end at the
/// string's identity, not a hash of it.
public final class QueryCounters: QueryCounter {
    /// The counters of one view: one block of atomics, laid out by `CounterBuckets`.
    final class ViewCells: @unchecked Sendable {
        // @unchecked: `cells` is written only through atomic operations.
        let view: String
        private let cells: UnsafeMutablePointer<UnsafeAtomic<UInt64>.Storage>

        init(view: String) {
            self.view = view
            cells = .allocate(capacity: CounterBuckets.cellCount)
            cells.initialize(repeating: UnsafeAtomic<UInt64>.Storage(0), count: CounterBuckets.cellCount)
        }

        deinit {
            cells.deinitialize(count: CounterBuckets.cellCount)
            cells.deallocate()
        }

        @inline(__always)
        func increment(_ cell: Int) { UnsafeAtomic<UInt64>(at: cells + cell).wrappingIncrement(ordering: .relaxed) }

        func value(_ cell: Int) -> UInt64 { UnsafeAtomic<UInt64>(at: cells + cell).load(ordering: .relaxed) }
    }

    /// An immutable view-name table; replaced whole when a view joins.
    final class Table: Sendable {
        let cells: [ViewCells]
        init(_ cells: [ViewCells]) { self.cells = cells }

        func cells(for view: String) -> ViewCells? {
            for cells in cells where cells.view == view { return cells }
            return nil
        }
    }

    private let published: ManagedAtomic<Unmanaged<Table>>
    /// Every table ever published, kept alive so a reader holding an older pointer stays valid
    /// (one small array per new view name, for the life of the process).
    private let tables: Mutex<[Table]>
    private let rateLimited = ManagedAtomic<UInt64>(0)

    public init() {
        let first = Table([])
        tables = Mutex([first])
        published = ManagedAtomic(Unmanaged.passUnretained(first))
    }

    /// Counts one query.
    public func count(_ tally: QueryTally) {
        if tally.rateLimited {
            rateLimited.wrappingIncrement(ordering: .relaxed)
            return
        }
        let cells = cells(for: tally.view ?? CounterBuckets.noView)
        cells.increment(CounterBuckets.requestCell(transport: tally.transport, type: tally.type))
        cells.increment(CounterBuckets.rcodeCell(tally))
        if !tally.dropped { cells.increment(CounterBuckets.sourceCell(tally.source)) }
    }

    private func cells(for view: String) -> ViewCells {
        if let found = published.load(ordering: .acquiring).takeUnretainedValue().cells(for: view) { return found }
        return tables.withLock { tables in
            let current = tables[tables.count - 1]
            if let found = current.cells(for: view) { return found }
            var cells = current.cells
            let added = ViewCells(view: view)
            cells.append(added)
            let next = Table(cells)
            tables.append(next)
            published.store(Unmanaged.passUnretained(next), ordering: .releasing)
            return added
        }
    }

    /// The current values, for the exporter and `vpcdns ctl stats`.
    public func snapshot() -> Snapshot {
        let table = published.load(ordering: .acquiring).takeUnretainedValue()
        var snapshot = Snapshot(rateLimited: rateLimited.load(ordering: .relaxed))
        for cells in table.cells.sorted(by: { $0.view < $1.view }) {
            let view = cells.view
            for (transportIndex, transport) in CounterBuckets.transports.enumerated() {
                for (typeIndex, type) in CounterBuckets.types.enumerated() {
                    let value = cells.value(CounterBuckets.requestCell(transport: transportIndex, type: typeIndex))
                    if value > 0 { snapshot.requests.append(.init(view: view, transport: transport, type: type, value: value)) }
                }
            }
            for (index, rcode) in CounterBuckets.rcodes.enumerated() {
                let value = cells.value(CounterBuckets.rcodeCells.lowerBound + index)
                if value > 0 { snapshot.responses.append(.init(view: view, label: rcode, value: value)) }
            }
            for (index, source) in CounterBuckets.sources.enumerated() {
                let value = cells.value(CounterBuckets.sourceCells.lowerBound + index)
                if value > 0 { snapshot.answers.append(.init(view: view, label: source, value: value)) }
            }
        }
        return snapshot
    }

    /// Counter values at one moment; only non-zero series are listed.
    public struct Snapshot: Sendable {
        public struct Request: Sendable { public var view, transport, type: String; public var value: UInt64 }
        public struct Labeled: Sendable { public var view, label: String; public var value: UInt64 }
        public var requests: [Request] = []
        /// By `rcode` (`dropped`: no response sent).
        public var responses: [Labeled] = []
        /// By answer `source`.
        public var answers: [Labeled] = []
        public var rateLimited: UInt64

        public var totalRequests: UInt64 { requests.reduce(0) { $0 + $1.value } }
    }
}
