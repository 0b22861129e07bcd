import Synchronization

/// Keeps the number of distinct label values bounded, so that a tenant with ten thousand
/// endpoints cannot blow up the metrics registry (and every Prometheus that scrapes it).
///
/// The first `limit` values seen keep their own series; later ones share `other`. A process
/// keeps what it admitted, so a series never changes its meaning while it runs.
public final class MetricLabels: Sendable {
    public static let other = "other"

    /// The budgets every part of a process shares: tenants and endpoints.
    public static let tenants = MetricLabels(limit: 50)
    public static let endpoints = MetricLabels(limit: 200)

    private let limit: Int
    private let admitted = Mutex<Set<String>>([])

    public init(limit: Int) {
        self.limit = limit
    }

    /// The label value to use for `value`: itself while the budget lasts, else `other`.
    public func label(_ value: String) -> String {
        admitted.withLock { admitted in
            if admitted.contains(value) { return value }
            guard admitted.count < limit else { return Self.other }
            admitted.insert(value)
            return value
        }
    }
}
