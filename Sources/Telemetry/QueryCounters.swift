import Atomics
import Resolver
import Synchronization

/// Per-query counters, counted on whatever queue answered the query with relaxed atomic adds:
/// no lock and no allocation per query. Read (and bridged into Prometheus) at scrape time.
///
/// The view label is looked up in an immutable table published through one atomic pointer;
/// a view first seen (after a reload) takes a lock once to join the table.
public final class QueryCounters: Sendable {
    /// The counters of one view.
    final class ViewCells: Sendable {
        let view: String
        /// `[transport][type]`, flattened.
        let requests: [ManagedAtomic<UInt64>]
        let rcodes: [ManagedAtomic<UInt64>]
        let sources: [ManagedAtomic<UInt64>]

        init(view: String) {
            self.view = view
            requests = (0..<CounterBuckets.transports.count * CounterBuckets.types.count).map { _ in ManagedAtomic(0) }
            rcodes = CounterBuckets.rcodes.map { _ in ManagedAtomic(0) }
            sources = CounterBuckets.sources.map { _ in ManagedAtomic(0) }
        }
    }

    /// An immutable view-name table; replaced whole when a view joins.
    final class Table: Sendable {
        let cells: [String: ViewCells]
        init(_ cells: [String: ViewCells]) { self.cells = cells }
    }

    private let published: ManagedAtomic<Unmanaged<Table>>
    /// Every table ever published, kept alive so a reader holding an older pointer stays valid
    /// (one small dictionary per new view name, for the life of the process).
    private let tables: Mutex<[Table]>
    private let rateLimited = ManagedAtomic<UInt64>(0)

    public init() {
        let first = Table([:])
        tables = Mutex([first])
        published = ManagedAtomic(Unmanaged.passUnretained(first))
    }

    /// Counts one query event; the `QueryObserver` the daemon installs.
    public func count(_ event: QueryEvent) {
        if event.rateLimited {
            rateLimited.wrappingIncrement(ordering: .relaxed)
            return
        }
        let cells = cells(for: event.reason?.view ?? CounterBuckets.noView)
        let request = CounterBuckets.transport(event.transport) * CounterBuckets.types.count + CounterBuckets.type(event.question)
        cells.requests[request].wrappingIncrement(ordering: .relaxed)
        cells.rcodes[CounterBuckets.rcode(event)].wrappingIncrement(ordering: .relaxed)
        if !event.dropped { cells.sources[CounterBuckets.source(event)].wrappingIncrement(ordering: .relaxed) }
    }

    private func cells(for view: String) -> ViewCells {
        if let found = published.load(ordering: .acquiring).takeUnretainedValue().cells[view] { return found }
        return tables.withLock { tables in
            let current = tables[tables.count - 1]
            if let found = current.cells[view] { return found }
            var cells = current.cells
            let added = ViewCells(view: view)
            cells[view] = added
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
        for (view, cells) in table.cells.sorted(by: { $0.key < $1.key }) {
            for (transportIndex, transport) in CounterBuckets.transports.enumerated() {
                for (typeIndex, type) in CounterBuckets.types.enumerated() {
                    let value = cells.requests[transportIndex * CounterBuckets.types.count + typeIndex].load(ordering: .relaxed)
                    if value > 0 { snapshot.requests.append(.init(view: view, transport: transport, type: type, value: value)) }
                }
            }
            for (index, rcode) in CounterBuckets.rcodes.enumerated() {
                let value = cells.rcodes[index].load(ordering: .relaxed)
                if value > 0 { snapshot.responses.append(.init(view: view, label: rcode, value: value)) }
            }
            for (index, source) in CounterBuckets.sources.enumerated() {
                let value = cells.sources[index].load(ordering: .relaxed)
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
