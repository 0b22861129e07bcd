import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Samples the store's backlog every `interval` into gauges:
/// - `courier_backlog_deliveries{tenant, state}`: pending and retrying deliveries;
/// - `courier_endpoint_backlog_deliveries{tenant, endpoint}`: active deliveries per endpoint,
///   a batch counted by the deliveries it carries;
/// - `courier_endpoints{tenant, condition}`: endpoints `active`, `coolingDown`, `paused` or
///   `disabled`.
///
/// The figures are store-wide: on several nodes sharing PostgreSQL each reports the same
/// ones, so aggregate them with `max`, not `sum`. Labels stay within ``MetricLabels``'
/// budgets; a series whose count went away is set to 0 rather than left at its last value.
public struct BacklogMetrics: Service {
    let store: any Store
    let interval: Duration
    let logger: Logger

    public init(store: any Store, interval: Duration = .seconds(15), logger: Logger = Logger(label: "courier.metrics")) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { [store, interval, logger] in
            var shown: Set<[String]> = []
            while !Task.isCancelled {
                do {
                    // Abandoned at shutdown: a database that went away must not hold it up.
                    shown = Self.show(try await Deadline.abandoningOnCancellation { try await store.backlog(now: Date()) }, replacing: shown)
                } catch is CancellationError where Task.isCancelled {
                    break
                } catch {
                    logger.warning("cannot read the backlog for metrics", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Sets the gauges; returns the series set, each as its label followed by its dimensions.
    static func show(_ backlog: Backlog, replacing shown: Set<[String]>) -> Set<[String]> {
        var values: [[String]: Int] = [:]
        func add(_ label: String, _ count: Backlog.Count, _ key: String, _ value: String) {
            values[[label, MetricLabels.tenants.label(count.tenantID), key, value], default: 0] += count.count
        }
        for count in backlog.byState { add("courier_backlog_deliveries", count, "state", count.key) }
        for count in backlog.byEndpoint {
            add("courier_endpoint_backlog_deliveries", count, "endpoint", MetricLabels.endpoints.label(count.key, within: count.tenantID))
        }
        for count in backlog.endpoints { add("courier_endpoints", count, "condition", count.key) }
        for series in shown where values[series] == nil { values[series] = 0 }
        for (series, value) in values {
            Gauge(label: series[0], dimensions: [("tenant", series[1]), (series[2], series[3])]).record(value)
        }
        return Set(values.keys)
    }
}
