import Foundation

/// What a claim on an endpoint may take now, by its health and its rate limit: the one rule
/// both stores apply.
public enum ClaimAllowance: Sendable, Hashable {
    /// Nothing until then.
    case coolingDown(until: Date)
    /// Nothing until then: the endpoint's rate limit spaces its requests (see ``RateLimit``).
    case rateLimited(until: Date)
    /// Up to `capacity` leases in all, not counting `uncounted` (the caller's answered ones),
    /// and at most `perClaim` taken by this claim.
    case slots(capacity: Int, uncounted: [Lease], perClaim: Int)
}

extension Endpoint {
    /// A healthy endpoint has `maxInFlight` slots, and the caller's answered leases do not
    /// hold one. A probing endpoint has one, and answered leases still hold it: nothing more
    /// goes before the probe's outcome is recorded. A rate-limited endpoint gives one delivery
    /// a claim, once the time kept in the store (`rateNextAt`, microseconds) has come.
    public func claimAllowance(at now: Date, answered: [Lease], limit: Int, rateNextAt: Int64?) -> ClaimAllowance {
        let state = health.state(at: now)
        if case .coolingDown(let until) = state { return .coolingDown(until: until) }
        if rateLimit != nil, case let ready = RateLimit.readyAt(rateNextAt), ready > now { return .rateLimited(until: ready) }
        let perClaim = rateLimit == nil ? limit : min(limit, 1)
        return state == .probing
            ? .slots(capacity: 1, uncounted: [], perClaim: perClaim)
            : .slots(capacity: effectiveMaxInFlight, uncounted: answered, perClaim: perClaim)
    }
}
