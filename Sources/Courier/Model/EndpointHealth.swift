import Foundation

/// How an endpoint has been answering, and what that means for sending to it.
///
/// An endpoint that fails again and again is given a rest: after ``failureThreshold``
/// consecutive failed attempts it cools down (5 s, doubling with each cool-down up to an
/// hour), and once the cool-down is over a single delivery probes it; only its success lets the
/// backlog flow again. So an endpoint that was down for an hour gets a trickle, not a flood,
/// when it returns, and deliveries held back meanwhile keep their retry budgets (they were not
/// attempted). An endpoint with no success for ``disableAfter`` is disabled, with the reason.
///
/// Only retryable failures (timeouts, connection errors, 5xx, 429…) count: a 4xx is an answer
/// from a live receiver, and it neither continues nor ends a failing streak.
public struct EndpointHealth: Sendable, Hashable {
    public var failureStreak: Int
    /// How many cool-downs since the last success; the next one lasts 5 s × 2^level.
    public var cooldownLevel: Int
    public var cooldownUntil: Date?
    public var lastSuccessAt: Date?
    /// The first failure since the last success.
    public var failingSince: Date?

    public static let failureThreshold = 5
    public static let firstCooldown: TimeInterval = 5
    public static let longestCooldown: TimeInterval = 3600
    public static let disableAfter: TimeInterval = 5 * 86400

    public init(
        failureStreak: Int = 0, cooldownLevel: Int = 0, cooldownUntil: Date? = nil, lastSuccessAt: Date? = nil,
        failingSince: Date? = nil
    ) {
        self.failureStreak = failureStreak
        self.cooldownLevel = cooldownLevel
        self.cooldownUntil = cooldownUntil
        self.lastSuccessAt = lastSuccessAt
        self.failingSince = failingSince
    }

    public enum State: Sendable, Hashable {
        case healthy
        /// Nothing is sent until then.
        case coolingDown(until: Date)
        /// One delivery at a time until one succeeds.
        case probing
    }

    public func state(at now: Date) -> State {
        guard failureStreak >= Self.failureThreshold else { return .healthy }
        if let until = cooldownUntil, now < until { return .coolingDown(until: until) }
        return .probing
    }

    /// Whether this must be written over `stored`: any change, except that a success moving
    /// `lastSuccessAt` by less than a second is not worth a write (a busy, healthy endpoint is
    /// written at most once a second).
    public func differs(from stored: EndpointHealth) -> Bool {
        var mine = self
        var theirs = stored
        mine.lastSuccessAt = nil
        theirs.lastSuccessAt = nil
        if mine != theirs { return true }
        switch (lastSuccessAt, stored.lastSuccessAt) {
        case (nil, nil): return false
        case (let now?, let before?): return abs(now.timeIntervalSince(before)) >= 1
        default: return true
        }
    }

    /// Whether a success ended a cool-down or a probe since `stored`: the endpoint's backlog
    /// may flow again at once, which no due time says (a claim while probing was told to come
    /// back when the probe's lease ends).
    public func recovers(from stored: EndpointHealth) -> Bool {
        stored.cooldownUntil != nil && cooldownUntil == nil
    }

    /// Whether a cool-down began since `stored`.
    public func startsCoolingDown(from stored: EndpointHealth) -> Bool {
        cooldownUntil != nil && cooldownUntil != stored.cooldownUntil
    }

    /// Takes in one attempt's outcome.
    /// - Returns: the reason to disable the endpoint, when it has failed too long.
    public mutating func record(_ outcome: Attempt.Outcome, at now: Date) -> String? {
        switch outcome {
        case .succeeded:
            self = EndpointHealth(lastSuccessAt: now)
            return nil
        case .rejected, .aborted, .gone, .empty, .interrupted:
            return nil
        case .failed:
            failureStreak += 1
            if failingSince == nil { failingSince = now }
            // A failure that trips the threshold, or a failed probe, starts a cool-down; those
            // still under way when one started only add to the streak.
            if failureStreak >= Self.failureThreshold, cooldownUntil.map({ now >= $0 }) ?? true {
                let rest = min(Self.firstCooldown * pow(2, Double(min(cooldownLevel, 20))), Self.longestCooldown)
                cooldownUntil = now.addingTimeInterval(rest)
                cooldownLevel += 1
            }
            if let since = failingSince, now.timeIntervalSince(since) >= Self.disableAfter {
                return "no successful delivery since \(Timestamp.format(since)) (5 days)"
            }
            return nil
        }
    }
}
