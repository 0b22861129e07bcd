import Courier
import Foundation
import Logging
import Synchronization

/// Watches this node's clock against the database's.
///
/// A lease is a time one node writes and every other node reads: a node whose clock runs
/// ahead takes leases that are still held for ended, and sends their deliveries a second time
/// while the first request is under way (and past `maxInFlight`, and out of order). So a node
/// whose clock disagrees with the database's by more than ``limit`` does not start, and one that
/// drifts that far while running stops claiming, and fails `/healthz`, until it agrees again.
/// Every machine kept by NTP agrees to within milliseconds.
final class PostgresClockWatch: Sendable {
    static let limit: TimeInterval = 2
    static let interval: Duration = .seconds(30)

    /// This node's clock: `Date()`, but for tests, which cannot move the real one.
    let localClock: @Sendable () -> Date
    /// The database's clock less this node's, as last measured.
    private let offset = Mutex<TimeInterval>(0)

    init(localClock: @escaping @Sendable () -> Date = Date.init) {
        self.localClock = localClock
    }

    /// The error claims answer while the clocks disagree, nil while they agree.
    var failure: CourierError? {
        Self.failure(offset: offset.withLock { $0 })
    }

    static func failure(offset: TimeInterval) -> CourierError? {
        guard abs(offset) > limit else { return nil }
        let seconds = String(format: "%.1f", abs(offset))
        return CourierError(
            .unavailable, code: "clock_skew",
            message: "this node's clock is \(seconds) s \(offset < 0 ? "ahead of" : "behind") the database's, more than the \(Int(limit)) s "
                + "nodes may differ by: leases are read across nodes, so it would send deliveries twice. Set its clock right (NTP)"
        )
    }

    /// Measures the offset, keeps it and returns it: of three round trips, the shortest's, taken
    /// at its midpoint, so that a slow answer does not pass for a skewed clock.
    @discardableResult
    func measure(_ store: PostgresStore) async throws -> TimeInterval {
        var best: (roundTrip: TimeInterval, offset: TimeInterval)?
        for _ in 0..<3 {
            let sent = localClock()
            let millis = try await store.wrap { connection in
                try await connection.first("SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT") { try $0.int(0) }
            } ?? 0
            let received = localClock()
            let roundTrip = received.timeIntervalSince(sent)
            let midpoint = sent.addingTimeInterval(roundTrip / 2)
            let measured = Timestamp.date(millis: millis).timeIntervalSince(midpoint)
            if best.map({ roundTrip < $0.roundTrip }) ?? true { best = (roundTrip, measured) }
        }
        let measured = best?.offset ?? 0
        offset.withLock { $0 = measured }
        return measured
    }

    /// Measures every ``interval`` until cancelled, saying so when the clocks come to disagree
    /// and when they agree again.
    func watch(_ store: PostgresStore, logger: Logger) async {
        var failing = failure != nil
        while true {
            do { try await Task.sleep(for: Self.interval) } catch { return }
            guard (try? await measure(store)) != nil else { continue }
            let failure = failure
            if let failure, !failing {
                logger.error("this node stops claiming deliveries", metadata: ["reason": "\(failure.message)"])
            } else if failure == nil, failing {
                logger.notice("this node's clock agrees with the database's again; claiming resumes")
            }
            failing = failure != nil
        }
    }
}
