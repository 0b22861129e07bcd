import Foundation

/// The delivery lifecycle as pure functions: a state and an event in, the next state out.
///
/// Nothing here does I/O or reads a clock, so every transition of the design's diagram is
/// tested directly; the engine and the stores only carry out what these return.
public enum DeliveryStateMachine {
    /// Where a delivery goes after one attempt.
    public struct Transition: Sendable, Hashable {
        public var state: DeliveryState
        public var nextAttemptAt: Date?
        public var budget: RetryBudget
        /// Set when the attempt means the endpoint must be disabled (410 Gone), with the reason.
        public var disableEndpointReason: String?

        public init(state: DeliveryState, nextAttemptAt: Date?, budget: RetryBudget, disableEndpointReason: String? = nil) {
            self.state = state
            self.nextAttemptAt = nextAttemptAt
            self.budget = budget
            self.disableEndpointReason = disableEndpointReason
        }
    }

    /// The progress a delivery carries into an attempt.
    public struct Progress: Sendable, Hashable {
        public var state: DeliveryState
        /// Attempts made before this one.
        public var attemptCount: Int
        public var lastAttemptAt: Date?
        public var budget: RetryBudget

        public init(state: DeliveryState, attemptCount: Int, lastAttemptAt: Date?, budget: RetryBudget) {
            self.state = state
            self.attemptCount = attemptCount
            self.lastAttemptAt = lastAttemptAt
            self.budget = budget
        }
    }

    public static let goneReason = "the receiver answered 410 Gone"

    /// The transition after an attempt that started at `startedAt` and ended at `now` with `verdict`.
    public static func afterAttempt(
        _ progress: Progress,
        verdict: ResponseClassifier.Verdict,
        policy: RetryPolicy,
        startedAt: Date,
        now: Date,
        jitter: Double
    ) -> Transition {
        var budget = progress.budget
        if budget.firstAttemptAt == nil { budget.firstAttemptAt = startedAt }
        let attemptsInBudget = progress.attemptCount + 1 - budget.base
        switch verdict.outcome {
        case .succeeded:
            budget.singleShot = false
            return Transition(state: .succeeded, nextAttemptAt: nil, budget: budget)
        case .rejected:
            budget.singleShot = false
            return Transition(state: .rejected, nextAttemptAt: nil, budget: budget)
        case .empty:
            budget.singleShot = false
            return Transition(state: .empty, nextAttemptAt: nil, budget: budget)
        case .aborted:
            budget.singleShot = false
            return Transition(state: .cancelled, nextAttemptAt: nil, budget: budget)
        case .gone:
            // Unsubscribed: the endpoint is disabled and holds the delivery; this attempt does
            // not use up the budget, so the delivery goes in full once the endpoint resumes.
            budget.base += 1
            return Transition(state: .retrying, nextAttemptAt: now, budget: budget, disableEndpointReason: goneReason)
        case .interrupted:
            // This node stopped, not the receiver: the attempt stays on record, uses none of the
            // budget (a resend stays a single shot), and the delivery is due again now, or once
            // the cut-off request would have timed out (the verdict's wait).
            budget.base += 1
            return Transition(state: .retrying, nextAttemptAt: now.addingTimeInterval(verdict.retryAfter ?? 0), budget: budget)
        case .failed:
            if budget.singleShot {
                budget.singleShot = false
                return Transition(state: .exhausted, nextAttemptAt: nil, budget: budget)
            }
            guard let delay = policy.delay(
                afterFailedAttempts: attemptsInBudget,
                firstAttemptAt: budget.firstAttemptAt ?? startedAt,
                previousAttemptAt: progress.lastAttemptAt,
                now: now,
                jitter: jitter
            ) else {
                return Transition(state: .exhausted, nextAttemptAt: nil, budget: budget)
            }
            let wait = verdict.retryAfter ?? delay
            // A receiver's Retry-After does not stretch the policy's age limit.
            if let maxAge = policy.maxAge, now.addingTimeInterval(wait).timeIntervalSince(budget.firstAttemptAt ?? startedAt) > maxAge {
                return Transition(state: .exhausted, nextAttemptAt: nil, budget: budget)
            }
            return Transition(state: .retrying, nextAttemptAt: now.addingTimeInterval(wait), budget: budget)
        }
    }

    /// What a person can do to a delivery from the records page or the API.
    public enum Action: String, Sendable, Hashable, CaseIterable {
        /// One immediate attempt, whatever the state.
        case resend
        /// Stop a pending or retrying delivery.
        case cancel
        /// Put a finished-but-failed delivery back in line with a fresh budget.
        case requeue
    }

    /// The effect of an action on a delivery: its new state, next attempt and budget.
    public struct ActionEffect: Sendable, Hashable {
        public var state: DeliveryState
        public var nextAttemptAt: Date?
        public var budget: RetryBudget
        /// When the endpoint's engine should look for due work because of this: at the next
        /// attempt, and at once when an active delivery is cancelled, since it may have been an
        /// ordered endpoint's head holding back the rest (or its batch's last member).
        public var wakesEndpointAt: Date?

        init(state: DeliveryState, nextAttemptAt: Date?, budget: RetryBudget, wakesEndpointAt: Date? = nil) {
            self.state = state
            self.nextAttemptAt = nextAttemptAt
            self.budget = budget
            self.wakesEndpointAt = wakesEndpointAt ?? nextAttemptAt
        }
    }

    /// Why `action` does not apply in this state, or nil when it does: what `apply` refuses, and
    /// what the dashboard asks so that it offers only the buttons that would work.
    ///
    /// `endpointDeleted` refuses what would make the delivery due again: nothing claims a deleted
    /// endpoint's work, so a resent or requeued delivery would wait as `pending` forever.
    public static func refusal(_ action: Action, state: DeliveryState, endpointDeleted: Bool) -> CourierError? {
        if endpointDeleted, action != .cancel {
            return .conflict("this delivery's endpoint was deleted, so nothing can send it", code: "endpoint_deleted")
        }
        if state == .batched, action != .cancel {
            return .conflict(
                "this delivery is carried by a batch under way; resend or requeue the batch, or cancel this delivery to take it out",
                code: "invalid_state"
            )
        }
        switch action {
        case .resend:
            return nil
        case .cancel:
            guard state.isActive || state == .batched else {
                return .conflict("a \(state.rawValue) delivery cannot be cancelled; only pending, retrying and batched ones can", code: "invalid_state")
            }
            return nil
        case .requeue:
            guard state.isRequeueable else {
                return .conflict("a \(state.rawValue) delivery cannot be requeued; only exhausted, rejected, empty and cancelled ones can", code: "invalid_state")
            }
            return nil
        }
    }

    /// Applies `action`, or throws a conflict naming why it does not apply in this state.
    public static func apply(
        _ action: Action, state: DeliveryState, attemptCount: Int, budget: RetryBudget, now: Date, endpointDeleted: Bool
    ) throws(CourierError) -> ActionEffect {
        if let refusal = refusal(action, state: state, endpointDeleted: endpointDeleted) { throw refusal }
        switch action {
        case .resend:
            if state.isActive {
                return ActionEffect(state: state, nextAttemptAt: now, budget: budget)
            }
            var single = budget
            single.singleShot = true
            return ActionEffect(state: .pending, nextAttemptAt: now, budget: single)
        case .cancel:
            var budget = budget
            budget.singleShot = false
            return ActionEffect(state: .cancelled, nextAttemptAt: nil, budget: budget, wakesEndpointAt: now)
        case .requeue:
            return ActionEffect(state: .pending, nextAttemptAt: now, budget: RetryBudget(base: attemptCount))
        }
    }
}
