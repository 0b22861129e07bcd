import Foundation
import Synchronization

/// How long the writer spends in each statement, by its SQL text, while switched on.
///
/// The writer is the one thread every write waits for, so knowing which of its statements
/// take the time is where a profile of the store starts (`courier bench --statements` prints
/// it). Switched off, as it is unless a benchmark asks, it costs one atomic load per statement.
public final class SQLiteStatementTimes: Sendable {
    /// One statement's share: how often it ran, the wall-clock time it took in all, and its
    /// longest single run (a `COMMIT` that stalled shows there, and in no total).
    public struct Entry: Sendable, Equatable {
        public var sql: String
        public var count: Int
        public var seconds: Double
        public var longest: Double
    }

    private let on = Atomic<Bool>(false)
    private let totals = Mutex<[String: (count: Int, nanoseconds: UInt64, longest: UInt64)]>([:])

    init() {}

    /// Starts counting afresh.
    public func start() {
        totals.withLock { $0 = [:] }
        on.store(true, ordering: .relaxed)
    }

    /// Stops counting; returns what was counted since ``start()``, the most time first.
    public func stop() -> [Entry] {
        on.store(false, ordering: .relaxed)
        return totals.withLock { $0 }
            .map {
                Entry(sql: $0.key, count: $0.value.count, seconds: Double($0.value.nanoseconds) / 1e9, longest: Double($0.value.longest) / 1e9)
            }
            .sorted { ($0.seconds, $1.sql) > ($1.seconds, $0.sql) }
    }

    func measure<T>(_ sql: String, _ body: () throws -> T) rethrows -> T {
        guard on.load(ordering: .relaxed) else { return try body() }
        let start = ContinuousClock.now
        defer {
            let took = ContinuousClock.now - start
            let nanoseconds = UInt64(took.components.seconds) * 1_000_000_000 + UInt64(took.components.attoseconds / 1_000_000_000)
            totals.withLock { totals in
                let entry = totals[sql] ?? (0, 0, 0)
                totals[sql] = (entry.count + 1, entry.nanoseconds + nanoseconds, max(entry.longest, nanoseconds))
            }
        }
        return try body()
    }
}
