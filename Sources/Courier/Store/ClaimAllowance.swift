import Foundation

/// What a claim on an endpoint may take now, by its health: the one rule both stores apply.
public enum ClaimAllowance: Sendable, Hashable {
    /// Nothing until then.
    case coolingDown(until: Date)
    /// Up to `capacity` leases in all, not counting `uncounted` (the caller's answered ones).
    case slots(capacity: Int, uncounted: [Lease])
}

extension Endpoint {
    /// A healthy endpoint has `maxInFlight` slots, and the caller's answered leases do not
    /// hold one. A probing endpoint has one, and answered leases still hold it: nothing more
    /// goes before the probe's outcome is recorded.
    public func claimAllowance(at now: Date, answered: [Lease]) -> ClaimAllowance {
        switch health.state(at: now) {
        case .healthy: .slots(capacity: effectiveMaxInFlight, uncounted: answered)
        case .coolingDown(let until): .coolingDown(until: until)
        case .probing: .slots(capacity: 1, uncounted: [])
        }
    }
}
