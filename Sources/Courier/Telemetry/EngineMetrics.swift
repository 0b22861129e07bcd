import Foundation
import Metrics
import Synchronization

/// The engine's metrics, labelled by tenant and endpoint within ``MetricLabels``' budgets.
///
/// Handles are made once per label set and kept: asking the metrics factory for a handle by
/// label takes a lock and a lookup in the registry, more than this cache's lock costs.
final class EngineMetrics: Sendable {
    private struct Key: Hashable {
        var tenant: String
        var endpoint: String
    }

    private struct Handles: Sendable {
        var attempts: [Attempt.Outcome: Counter]
        var finished: [DeliveryState: Counter]
        var duration: Metrics.Timer
    }

    private let handles = Mutex<[Key: Handles]>([:])
    private let claimLag = Metrics.Timer(label: "courier_claim_lag_seconds")

    func attempted(_ outcome: Attempt.Outcome, duration seconds: Double, finished state: DeliveryState?, endpoint: Endpoint) {
        let metrics = handles(tenant: endpoint.tenantID, endpoint: endpoint.id)
        metrics.attempts[outcome]?.increment()
        metrics.duration.recordNanoseconds(Int64(seconds * 1e9))
        if let state { metrics.finished[state]?.increment() }
    }

    /// How long after it was due a delivery was claimed: the engine's lag behind its work.
    func claimed(dueAt: Date?, at now: Date) {
        guard let dueAt else { return }
        claimLag.recordNanoseconds(Int64(max(0, now.timeIntervalSince(dueAt)) * 1e9))
    }

    /// Cached by the ids themselves, so that an attempt takes one lock; the label budgets are
    /// consulted only the first time an endpoint is seen.
    private func handles(tenant: String, endpoint: String) -> Handles {
        let key = Key(tenant: tenant, endpoint: endpoint)
        if let cached = handles.withLock({ $0[key] }) { return cached }
        let labels = Key(tenant: MetricLabels.tenants.label(tenant), endpoint: MetricLabels.endpoints.label(endpoint, within: tenant))
        return handles.withLock { cache in
            if let cached = cache[key] { return cached }
            let dimensions = [("tenant", labels.tenant), ("endpoint", labels.endpoint)]
            let made = Handles(
                attempts: Dictionary(uniqueKeysWithValues: Attempt.Outcome.allCases.map {
                    ($0, Counter(label: "courier_attempts_total", dimensions: dimensions + [("outcome", $0.rawValue)]))
                }),
                finished: Dictionary(uniqueKeysWithValues: DeliveryState.allCases.filter(\.isFinal).map {
                    ($0, Counter(label: "courier_deliveries_finished_total", dimensions: dimensions + [("state", $0.rawValue)]))
                }),
                duration: Metrics.Timer(label: "courier_attempt_duration_seconds", dimensions: dimensions)
            )
            cache[key] = made
            return made
        }
    }
}
