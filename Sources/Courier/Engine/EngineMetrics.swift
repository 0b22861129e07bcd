import Metrics

/// The engine's metric handles, made once: asking the metrics factory for a handle by label
/// takes a lock and a lookup, too much to do on every attempt.
struct EngineMetrics: Sendable {
    private let attempts: [Attempt.Outcome: Counter]
    private let finished: [DeliveryState: Counter]
    private let duration: Metrics.Timer

    init() {
        attempts = Dictionary(uniqueKeysWithValues: Attempt.Outcome.allCases.map {
            ($0, Counter(label: "courier_attempts_total", dimensions: [("outcome", $0.rawValue)]))
        })
        finished = Dictionary(uniqueKeysWithValues: DeliveryState.allCases.filter { !$0.isActive }.map {
            ($0, Counter(label: "courier_deliveries_finished_total", dimensions: [("state", $0.rawValue)]))
        })
        duration = Metrics.Timer(label: "courier_attempt_duration_seconds")
    }

    func attempted(_ outcome: Attempt.Outcome, duration seconds: Double, finished state: DeliveryState?) {
        attempts[outcome]?.increment()
        duration.recordNanoseconds(Int64(seconds * 1e9))
        if let state { finished[state]?.increment() }
    }
}
