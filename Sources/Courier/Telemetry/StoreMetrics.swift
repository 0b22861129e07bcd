import Metrics

/// How long store writes wait for their turn, and how long their commits take: where a
/// saturated writer or a slow disk shows first. At 1,000 single-event `POST`s a second on a
/// slow stretch of the development machine, the SQLite writer was busy 81–89% of the time, two
/// thirds of it in commits' `fdatasync`s, and the `POST` tail was that queue (BENCHMARKS.md).
///
/// The handles are made when the store opens, so the metrics system must be bootstrapped first
/// (as `courier serve` does); before that they are no-ops.
public struct StoreMetrics: Sendable {
    private let wait: Metrics.Timer
    private let durableCommit: Metrics.Timer
    private let commit: Metrics.Timer

    /// Histogram buckets for both, in place of the usual ones from 5 ms up: a commit on a
    /// healthy disk takes well under a millisecond, and a wait that matters is a few.
    public static let buckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
    ]

    public static let waitLabel = "courier_store_wait_seconds"
    public static let commitLabel = "courier_store_commit_seconds"

    public init() {
        wait = Metrics.Timer(label: Self.waitLabel)
        durableCommit = Metrics.Timer(label: Self.commitLabel, dimensions: [("durable", "true")])
        commit = Metrics.Timer(label: Self.commitLabel, dimensions: [("durable", "false")])
    }

    /// A write began its transaction after waiting this long: SQLite's single writer was busy, or
    /// PostgreSQL's pool had no connection free (its `BEGIN` included).
    public func waited(_ duration: Duration) {
        wait.recordNanoseconds(duration.nanoseconds)
    }

    /// A commit took this long; `durable` when it waited for the log to reach the disk.
    public func committed(_ duration: Duration, durable: Bool) {
        (durable ? durableCommit : commit).recordNanoseconds(duration.nanoseconds)
    }
}

extension Duration {
    /// Whole nanoseconds, for metrics that record integers.
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
