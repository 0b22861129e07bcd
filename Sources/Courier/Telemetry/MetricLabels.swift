import Synchronization

/// Keeps the number of distinct label values bounded, so that a tenant with ten thousand
/// endpoints cannot blow up the metrics registry (and every Prometheus that scrapes it).
///
/// The first `limit` values seen keep their own series; later ones share `other`. A process
/// keeps what it admitted, so a series never changes its meaning while it runs. Values may be
/// admitted within a group (an endpoint within its tenant), each group with a budget of its
/// own under the overall one, so that one tenant's many endpoints cannot use up the budget and
/// leave every other tenant's endpoints as `other`.
public final class MetricLabels: Sendable {
    /// The label of what is over budget; no tenant may be named so (``Tenant/validate(id:)``).
    public static let other = "other"

    /// The budgets every part of a process shares: tenants, and endpoints within their tenant.
    public static let tenants = MetricLabels(limit: 50)
    public static let endpoints = MetricLabels(limit: 1000, perGroup: 100)

    private let limit: Int
    private let perGroup: Int
    private let admitted = Mutex<(all: Set<String>, byGroup: [String: Int])>(([], [:]))

    public init(limit: Int, perGroup: Int? = nil) {
        self.limit = limit
        self.perGroup = perGroup ?? limit
    }

    /// The label value to use for `value`: itself while the budgets last, else `other`.
    public func label(_ value: String, within group: String = "") -> String {
        admitted.withLock { admitted in
            if admitted.all.contains(value) { return value }
            let inGroup = admitted.byGroup[group, default: 0]
            guard admitted.all.count < limit, inGroup < perGroup else { return Self.other }
            admitted.all.insert(value)
            admitted.byGroup[group] = inGroup + 1
            return value
        }
    }
}
