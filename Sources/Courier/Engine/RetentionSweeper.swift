import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Deletes what has been kept for the retention period once everything it caused has ended
/// (see ``Store/expire(_:before:limit:)`` for what goes and what stays), so that a store
/// that forwards events for years does not grow for years, and health data is not kept
/// longer than its delivery needs.
///
/// Every node runs one: a pass at start and one every `interval`, each a chunk per
/// transaction, so the store's writer serves other work between them. Several nodes' passes
/// share the work. Deleted rows are counted in `courier_retention_deleted_total{kind}`
/// (`event`, `message`, `delivery`).
public struct RetentionSweeper: Service {
    public struct Configuration: Sendable {
        /// How long an event or message is kept, counted from when it was made and from the
        /// last change of anything it caused (a delivery resent yesterday keeps its event).
        public var period: TimeInterval
        /// Time between passes: an hour, or a tenth of the period if that is shorter, so that
        /// nothing is kept much beyond its period.
        public var interval: TimeInterval
        /// Events examined per step. Messages go ten at a time whatever this says: one may
        /// have thousands of recipients.
        public var chunk: Int
        /// What periods are counted by (see ``WallClock``): the system's, or a test's.
        public var clock: any WallClock

        public init(period: TimeInterval, interval: TimeInterval? = nil, chunk: Int = 200, clock: any WallClock = SystemClock()) {
            self.period = period
            self.clock = clock
            // At least a second: a tiny period must not make the sweeper spin.
            self.interval = max(1, interval ?? min(3600, max(period, 0) / 10))
            self.chunk = max(1, chunk)
        }
    }

    /// What a pass deleted.
    public struct Totals: Sendable, Hashable {
        public var events = 0
        public var messages = 0
        public var deliveries = 0

        public init() {}
    }

    let store: any Store
    let configuration: Configuration
    let logger: Logger
    private let deleted: (events: Counter, messages: Counter, deliveries: Counter)

    public init(store: any Store, configuration: Configuration, logger: Logger = Logger(label: "courier.retention")) {
        self.store = store
        self.configuration = configuration
        self.logger = logger
        deleted = (
            Counter(label: "courier_retention_deleted_total", dimensions: [("kind", "event")]),
            Counter(label: "courier_retention_deleted_total", dimensions: [("kind", "message")]),
            Counter(label: "courier_retention_deleted_total", dimensions: [("kind", "delivery")])
        )
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let totals = try await pass(now: configuration.clock.now)
                    if totals != Totals() {
                        logger.info("deleted what the retention period let go", metadata: [
                            "events": "\(totals.events)", "messages": "\(totals.messages)", "deliveries": "\(totals.deliveries)",
                        ])
                    }
                } catch is CancellationError where Task.isCancelled {
                    break
                } catch {
                    // The next pass starts over; nothing is half deleted, as a step is one transaction.
                    logger.warning("retention pass failed; trying again at the next", metadata: ["error": "\(error)"])
                }
                try? await configuration.clock.sleep(until: configuration.clock.now.addingTimeInterval(configuration.interval))
            }
        }
    }

    /// One pass over everything made before `now` less the period, to its end or until cancelled.
    /// A period of 0 (or less) keeps everything, as `--retention-days 0` does.
    public func pass(now: Date) async throws -> Totals {
        var totals = Totals()
        guard configuration.period > 0 else { return totals }
        let cutoff = now.addingTimeInterval(-configuration.period)
        var position: RetentionStep.Position? = .start
        while let current = position, !Task.isCancelled {
            let limit = switch current {
            case .events, .batches: configuration.chunk
            case .messages: min(configuration.chunk, 10)
            }
            // Abandoned at shutdown: a database that went away must not hold it up, and a step
            // happens whole or not at all.
            let step = try await Deadline.abandoningOnCancellation { [store] in
                try await store.expire(current, before: cutoff, limit: limit)
            }
            totals.events += step.events
            totals.messages += step.messages
            totals.deliveries += step.deliveries
            deleted.events.increment(by: step.events)
            deleted.messages.increment(by: step.messages)
            deleted.deliveries.increment(by: step.deliveries)
            position = step.next
        }
        return totals
    }
}
