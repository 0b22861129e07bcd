import Courier
import Foundation
import Testing

@Suite struct DeliveryStateMachineTests {
    let t0 = Date(timeIntervalSince1970: 1_000_000)
    var started: Date { t0 }
    var ended: Date { t0.addingTimeInterval(2) }

    func progress(
        _ state: DeliveryState = .pending, attempts: Int = 0, last: Date? = nil, budget: RetryBudget = RetryBudget()
    ) -> DeliveryStateMachine.Progress {
        DeliveryStateMachine.Progress(state: state, attemptCount: attempts, lastAttemptAt: last, budget: budget)
    }

    func after(
        _ p: DeliveryStateMachine.Progress, _ outcome: Attempt.Outcome, retryAfter: TimeInterval? = nil,
        policy: RetryPolicy = .standard
    ) -> DeliveryStateMachine.Transition {
        DeliveryStateMachine.afterAttempt(
            p, verdict: ResponseClassifier.Verdict(outcome: outcome, retryAfter: retryAfter),
            policy: policy, startedAt: started, now: ended, jitter: 0.5
        )
    }

    // MARK: afterAttempt

    @Test func succeeded() {
        let t = after(progress(budget: RetryBudget(singleShot: true)), .succeeded)
        #expect(t.state == .succeeded)
        #expect(t.nextAttemptAt == nil)
        #expect(t.disableEndpointReason == nil)
        #expect(t.budget == RetryBudget(base: 0, firstAttemptAt: started, singleShot: false))
    }

    @Test func rejected() {
        let t = after(progress(.retrying, attempts: 2, budget: RetryBudget(firstAttemptAt: t0.addingTimeInterval(-100))), .rejected)
        #expect(t.state == .rejected)
        #expect(t.nextAttemptAt == nil)
        #expect(t.disableEndpointReason == nil)
        // An existing firstAttemptAt is kept.
        #expect(t.budget == RetryBudget(base: 0, firstAttemptAt: t0.addingTimeInterval(-100), singleShot: false))
    }

    @Test func abortedBecomesCancelled() {
        let t = after(progress(budget: RetryBudget(singleShot: true)), .aborted)
        #expect(t.state == .cancelled)
        #expect(t.nextAttemptAt == nil)
        #expect(t.disableEndpointReason == nil)
        #expect(t.budget.singleShot == false)
    }

    @Test func goneRetriesNowDisablesEndpointAndBumpsBase() {
        let t = after(progress(.retrying, attempts: 3, budget: RetryBudget(base: 1)), .gone)
        #expect(t.state == .retrying)
        #expect(t.nextAttemptAt == ended)
        #expect(t.disableEndpointReason == DeliveryStateMachine.goneReason)
        #expect(t.disableEndpointReason == "the receiver answered 410 Gone")
        #expect(t.budget.base == 2)
        #expect(t.budget.firstAttemptAt == started)
    }

    /// Cut off by this node's shutdown: due again now, on the budget's account, and a resend
    /// stays a single shot; the endpoint's health does not hear of it.
    @Test func interruptedIsDueAgainNowUsingNoneOfTheBudgetOrTheHealth() {
        let t = after(progress(.pending, attempts: 0, budget: RetryBudget(singleShot: true)), .interrupted, policy: .delays([]))
        #expect(t.state == .retrying)
        #expect(t.nextAttemptAt == ended)
        #expect(t.disableEndpointReason == nil)
        #expect(t.budget.base == 1 && t.budget.singleShot)
        var health = EndpointHealth()
        for _ in 0..<10 { #expect(health.record(.interrupted, at: ended) == nil) }
        #expect(health.failureStreak == 0 && health.cooldownUntil == nil)
        // Cut off with time left before it would have timed out: due again once that has passed.
        let waiting = after(progress(), .interrupted, retryAfter: 40)
        #expect(waiting.state == .retrying && waiting.nextAttemptAt == ended.addingTimeInterval(40))
    }

    @Test func failedRetriesAfterPolicyDelay() {
        let t = after(progress(), .failed)
        #expect(t.state == .retrying)
        #expect(t.nextAttemptAt == ended.addingTimeInterval(5))
        #expect(t.disableEndpointReason == nil)
        #expect(t.budget == RetryBudget(base: 0, firstAttemptAt: started, singleShot: false))
    }

    @Test func failedSecondAttemptUsesSecondDelay() {
        let t = after(progress(.retrying, attempts: 1, last: t0.addingTimeInterval(-5), budget: RetryBudget(firstAttemptAt: t0.addingTimeInterval(-5))), .failed)
        #expect(t.state == .retrying)
        #expect(t.nextAttemptAt == ended.addingTimeInterval(300))
    }

    @Test func failedBudgetCountsFromBase() {
        // 5 attempts made, budget began at 4: this is the 2nd attempt of the budget.
        let t = after(progress(.retrying, attempts: 5, budget: RetryBudget(base: 4, firstAttemptAt: t0)), .failed)
        #expect(t.nextAttemptAt == ended.addingTimeInterval(300))
    }

    @Test func failedWithRetryAfterUsesRetryAfter() {
        let t = after(progress(), .failed, retryAfter: 120)
        #expect(t.state == .retrying)
        #expect(t.nextAttemptAt == ended.addingTimeInterval(120))
    }

    /// `maxAge` bounds the receiver's `Retry-After` as it bounds the policy's own waits.
    @Test func retryAfterPastMaxAgeIsExhausted() {
        let policy = RetryPolicy.exponential(.init(initial: 1, factor: 2, max: 10, maxAttempts: 100, maxAge: 5))
        let first = after(progress(), .failed, retryAfter: 10, policy: policy)
        #expect(first.state == .exhausted, "the next attempt would come 12 s after the first")
        let within = after(progress(), .failed, retryAfter: 2, policy: policy)
        #expect(within.state == .retrying && within.nextAttemptAt == ended.addingTimeInterval(2))
    }

    @Test func failedWhenPolicyUsedUpIsExhausted() {
        // .standard allows 8 attempts; 7 were made, this 8th failed.
        let t = after(progress(.retrying, attempts: 7, budget: RetryBudget(firstAttemptAt: t0.addingTimeInterval(-90_000))), .failed, retryAfter: 60)
        #expect(t.state == .exhausted)
        #expect(t.nextAttemptAt == nil)
        #expect(t.disableEndpointReason == nil)
    }

    @Test func failedWithFixedNoRetriesIsExhausted() {
        let t = after(progress(), .failed, policy: .fixed(retries: 0, interval: 60))
        #expect(t.state == .exhausted)
        #expect(t.nextAttemptAt == nil)
    }

    @Test func singleShotFailedIsExhausted() {
        let t = after(progress(.pending, attempts: 8, budget: RetryBudget(base: 0, firstAttemptAt: t0.addingTimeInterval(-500), singleShot: true)), .failed)
        #expect(t.state == .exhausted)
        #expect(t.nextAttemptAt == nil)
        #expect(t.budget == RetryBudget(base: 0, firstAttemptAt: t0.addingTimeInterval(-500), singleShot: false))
    }

    @Test func singleShotFailedEvenWithBudgetLeftIsExhausted() {
        let t = after(progress(.pending, attempts: 0, budget: RetryBudget(singleShot: true)), .failed)
        #expect(t.state == .exhausted)
        #expect(t.budget.singleShot == false)
    }

    @Test func firstAttemptSetsFirstAttemptAt() {
        for outcome in Attempt.Outcome.allCases {
            let t = after(progress(), outcome)
            #expect(t.budget.firstAttemptAt == started, "outcome \(outcome)")
        }
    }

    @Test func standardPolicyWalkedThroughEightFailures() {
        var p = progress()
        var now = t0
        var waits: [TimeInterval] = []
        var states: [DeliveryState] = []
        for _ in 1...8 {
            let startedAt = now
            let endedAt = now.addingTimeInterval(1)
            let t = DeliveryStateMachine.afterAttempt(
                p, verdict: ResponseClassifier.Verdict(outcome: .failed), policy: .standard,
                startedAt: startedAt, now: endedAt, jitter: 0.5
            )
            states.append(t.state)
            #expect(t.budget.firstAttemptAt == t0)
            if let next = t.nextAttemptAt {
                waits.append(next.timeIntervalSince(endedAt))
                now = next
            }
            p = DeliveryStateMachine.Progress(state: t.state, attemptCount: p.attemptCount + 1, lastAttemptAt: startedAt, budget: t.budget)
        }
        #expect(waits == [5, 300, 1800, 7200, 18000, 36000, 36000])
        #expect(states == Array(repeating: .retrying, count: 7) + [.exhausted])
    }

    // MARK: apply

    @Test(arguments: [DeliveryState.pending, .retrying])
    func resendOnActiveKeepsState(state: DeliveryState) throws {
        let budget = RetryBudget(base: 1, firstAttemptAt: t0.addingTimeInterval(-60), singleShot: false)
        let e = try DeliveryStateMachine.apply(.resend, state: state, attemptCount: 3, budget: budget, now: t0, endpointDeleted: false)
        #expect(e.state == state)
        #expect(e.nextAttemptAt == t0)
        #expect(e.budget == budget)
    }

    @Test(arguments: [DeliveryState.succeeded, .exhausted, .rejected, .empty, .cancelled])
    func resendOnFinalStateIsSingleShotPending(state: DeliveryState) throws {
        let budget = RetryBudget(base: 2, firstAttemptAt: t0.addingTimeInterval(-60), singleShot: false)
        let e = try DeliveryStateMachine.apply(.resend, state: state, attemptCount: 5, budget: budget, now: t0, endpointDeleted: false)
        #expect(e.state == .pending)
        #expect(e.nextAttemptAt == t0)
        #expect(e.budget == RetryBudget(base: 2, firstAttemptAt: t0.addingTimeInterval(-60), singleShot: true))
    }

    @Test(arguments: [DeliveryState.pending, .retrying])
    func cancelActive(state: DeliveryState) throws {
        let e = try DeliveryStateMachine.apply(.cancel, state: state, attemptCount: 1, budget: RetryBudget(base: 0, singleShot: true), now: t0, endpointDeleted: false)
        #expect(e.state == .cancelled)
        #expect(e.nextAttemptAt == nil)
        #expect(e.budget.singleShot == false)
    }

    @Test(arguments: [DeliveryState.succeeded, .exhausted, .rejected, .empty, .cancelled])
    func cancelFinalIsConflict(state: DeliveryState) {
        let error = #expect(throws: CourierError.self) {
            try DeliveryStateMachine.apply(.cancel, state: state, attemptCount: 1, budget: RetryBudget(), now: t0, endpointDeleted: false)
        }
        #expect(error?.kind == .conflict)
        #expect(error?.code == "invalid_state")
    }

    @Test(arguments: [DeliveryState.exhausted, .rejected, .cancelled, .empty])
    func requeueGivesFreshBudget(state: DeliveryState) throws {
        let old = RetryBudget(base: 1, firstAttemptAt: t0.addingTimeInterval(-3600), singleShot: true)
        let e = try DeliveryStateMachine.apply(.requeue, state: state, attemptCount: 7, budget: old, now: t0, endpointDeleted: false)
        #expect(e.state == .pending)
        #expect(e.nextAttemptAt == t0)
        #expect(e.budget == RetryBudget(base: 7, firstAttemptAt: nil, singleShot: false))
    }

    @Test(arguments: [DeliveryState.pending, .retrying, .succeeded])
    func requeueOtherStatesIsConflict(state: DeliveryState) {
        let error = #expect(throws: CourierError.self) {
            try DeliveryStateMachine.apply(.requeue, state: state, attemptCount: 1, budget: RetryBudget(), now: t0, endpointDeleted: false)
        }
        #expect(error?.kind == .conflict)
        #expect(error?.code == "invalid_state")
    }

    @Test(arguments: [DeliveryStateMachine.Action.resend, .requeue])
    func nothingMakesADeletedEndpointsDeliveryDueAgain(action: DeliveryStateMachine.Action) {
        let error = #expect(throws: CourierError.self) {
            try DeliveryStateMachine.apply(action, state: .cancelled, attemptCount: 0, budget: RetryBudget(), now: t0, endpointDeleted: true)
        }
        #expect(error?.kind == .conflict)
        #expect(error?.code == "endpoint_deleted")
    }

    @Test func aDeletedEndpointsActiveDeliveryCanStillBeCancelled() throws {
        let e = try DeliveryStateMachine.apply(.cancel, state: .retrying, attemptCount: 1, budget: RetryBudget(), now: t0, endpointDeleted: true)
        #expect(e.state == .cancelled)
    }

    @Test func requeuedDeliveryGetsFullPolicyAgain() throws {
        let e = try DeliveryStateMachine.apply(.requeue, state: .exhausted, attemptCount: 8, budget: RetryBudget(firstAttemptAt: t0), now: t0, endpointDeleted: false)
        let later = t0.addingTimeInterval(86400)
        let t = DeliveryStateMachine.afterAttempt(
            progress(e.state, attempts: 8, last: t0, budget: e.budget),
            verdict: ResponseClassifier.Verdict(outcome: .failed), policy: .standard,
            startedAt: later, now: later, jitter: 0.5
        )
        #expect(t.state == .retrying)
        #expect(t.nextAttemptAt == later.addingTimeInterval(5))
        #expect(t.budget == RetryBudget(base: 8, firstAttemptAt: later, singleShot: false))
    }
}
