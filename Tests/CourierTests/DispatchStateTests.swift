import Courier
import Foundation
import Testing

@Suite struct DispatchStateTests {
    let t0 = Date(timeIntervalSince1970: 1_000_000)
    let endpointID = "ep_1"

    func endpoint(maxInFlight: Int = 2) -> Endpoint {
        Endpoint(
            id: endpointID, tenantID: "t1", url: "https://example.com/hook",
            eventTypes: [.all], secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            maxInFlight: maxInFlight, createdAt: t0, updatedAt: t0
        )
    }

    func delivery(_ n: Int) -> ClaimedDelivery {
        let event = Event(id: "evt_\(n)", tenantID: "t1", type: "case.created", payload: Array("{}".utf8), occurredAt: t0, createdAt: t0)
        return ClaimedDelivery(
            deliveryID: "dlv_\(n)", tenantID: "t1", event: event,
            progress: DeliveryStateMachine.Progress(state: .pending, attemptCount: 0, lastAttemptAt: nil, budget: RetryBudget()),
            leaseToken: Int64(100 + n)
        )
    }

    func claimsOf(_ a: DispatchState.Actions) -> [String] {
        a.claims.map { "\($0.endpointID):\($0.limit)" }
    }

    func sentIDs(_ a: DispatchState.Actions) -> [String] {
        a.sends.map(\.delivery.deliveryID)
    }

    /// A state with the endpoint known and deliveries 1...3 claimed (none sent yet).
    func claimedThree() -> DispatchState {
        var s = DispatchState()
        s.due(endpointID: endpointID, at: t0)
        _ = s.nextActions(now: t0)
        let released = s.claimed(endpointID: endpointID, claim: Claim(endpoint: endpoint(maxInFlight: 2), deliveries: [delivery(1), delivery(2), delivery(3)], nextDueAt: nil), now: t0)
        #expect(released.isEmpty)
        return s
    }

    /// A failure's retry is scheduled; then its record starts a cool-down, and the claim that
    /// follows says nothing is due before the cool-down's end, later than that retry. Once the
    /// retry's wake-up has passed, the cool-down's end must still wake the lane (it was lost,
    /// and the probe waited for the next resync: 30 s on SQLite).
    @Test func aLaterDueTimeFromAClaimStillWakesOnceAnEarlierWakeHasPassed() {
        var s = DispatchState()
        s.due(endpointID: endpointID, at: t0)
        _ = s.nextActions(now: t0)
        _ = s.claimed(endpointID: endpointID, claim: Claim(endpoint: endpoint(), deliveries: [delivery(1)], nextDueAt: nil), now: t0)
        #expect(sentIDs(s.nextActions(now: t0)) == ["dlv_1"])
        let retry = t0.addingTimeInterval(0.1)
        _ = s.sent(endpointID: endpointID, lease: delivery(1).lease, nextAttemptAt: retry, disabled: false, failed: true)
        s.recorded(endpointID: endpointID, deliveryIDs: ["dlv_1"])
        _ = s.endpointChanged(endpointID: endpointID)
        #expect(claimsOf(s.nextActions(now: t0.addingTimeInterval(0.01))) == ["ep_1:1"], "a fresh claim after the change")
        let coolDownEnd = t0.addingTimeInterval(3600)
        _ = s.claimed(endpointID: endpointID, claim: Claim(endpoint: endpoint(), deliveries: [], nextDueAt: coolDownEnd), now: t0.addingTimeInterval(0.01))
        let afterRetry = s.nextActions(now: retry.addingTimeInterval(0.01))
        #expect(afterRetry.claims.isEmpty, "nothing due before the cool-down's end")
        #expect(afterRetry.wakeAt == coolDownEnd, "woken at the cool-down's end: \(String(describing: afterRetry.wakeAt))")
        #expect(claimsOf(s.nextActions(now: coolDownEnd)) == ["ep_1:2"], "the probe's claim")
    }

    /// A rate-limited endpoint's claim says when its next request may go. Work due sooner (a
    /// signal during the claim, a publish's, a retry's) waits for that time instead of costing
    /// claims that would find nothing; a change of the endpoint, whose limit may be gone, lifts it.
    @Test func aRateLimitHoldsClaimsUntilItsTime() {
        var s = DispatchState()
        s.due(endpointID: endpointID, at: t0)
        _ = s.nextActions(now: t0)
        s.due(endpointID: endpointID, at: t0)
        let ready = t0.addingTimeInterval(10)
        _ = s.claimed(
            endpointID: endpointID,
            claim: Claim(endpoint: endpoint(maxInFlight: 4), deliveries: [delivery(1)], nextDueAt: t0, rateLimitedUntil: ready), now: t0
        )
        let first = s.nextActions(now: t0)
        #expect(sentIDs(first) == ["dlv_1"])
        #expect(first.claims.isEmpty, "work is due, but the limit's time has not come")
        #expect(first.wakeAt == ready)
        s.due(endpointID: endpointID, at: t0.addingTimeInterval(1))
        #expect(s.nextActions(now: t0.addingTimeInterval(1)).claims.isEmpty, "a publish's signal waits too")
        _ = s.sent(endpointID: endpointID, lease: delivery(1).lease, nextAttemptAt: t0.addingTimeInterval(2), disabled: false)
        s.recorded(endpointID: endpointID, deliveryIDs: ["dlv_1"])
        let retry = s.nextActions(now: t0.addingTimeInterval(2))
        #expect(retry.claims.isEmpty && retry.wakeAt == ready, "and so does a retry: \(String(describing: retry.wakeAt))")
        #expect(claimsOf(s.nextActions(now: ready)) == ["ep_1:4"], "claimed once the time has come")

        let later = ready.addingTimeInterval(10)
        _ = s.claimed(endpointID: endpointID, claim: Claim(endpoint: endpoint(maxInFlight: 4), deliveries: [], nextDueAt: ready, rateLimitedUntil: later), now: ready)
        s.due(endpointID: endpointID, at: ready)
        #expect(s.nextActions(now: ready).claims.isEmpty)
        _ = s.endpointChanged(endpointID: endpointID)
        #expect(claimsOf(s.nextActions(now: ready)) == ["ep_1:1"], "a change of the endpoint lifts the wait")
    }

    /// The endpoint changes (its rate limit removed, say) while a claim is out, and that claim
    /// comes back empty, told to wait a day by the old limit: the lane claims again at once.
    @Test func aChangeWhileAClaimIsOutIsNotHeldByThatClaimsWait() {
        var s = DispatchState()
        s.due(endpointID: endpointID, at: t0)
        _ = s.nextActions(now: t0)
        _ = s.endpointChanged(endpointID: endpointID)
        let tomorrow = t0.addingTimeInterval(86400)
        _ = s.claimed(
            endpointID: endpointID, claim: Claim(endpoint: endpoint(), deliveries: [], nextDueAt: t0, rateLimitedUntil: tomorrow), now: t0
        )
        #expect(claimsOf(s.nextActions(now: t0)) == ["ep_1:1"], "a fresh claim reads the endpoint as it is now")
    }

    /// A claim answered with the endpoint as edited since (its signal not yet here) gives back
    /// what was queued under the old version: those leases were measured by the old timeout.
    @Test func deliveriesQueuedUnderAnOlderVersionOfTheEndpointGoBack() {
        var s = claimedThree()
        #expect(sentIDs(s.nextActions(now: t0)) == ["dlv_1", "dlv_2"], "dlv_3 waits for a slot")
        var edited = endpoint(maxInFlight: 2)
        edited.timeoutSeconds = 300
        edited.updatedAt = t0.addingTimeInterval(1)
        _ = s.nextActions(now: t0)
        let released = s.claimed(endpointID: endpointID, claim: Claim(endpoint: edited, deliveries: [delivery(4)], nextDueAt: nil), now: t0)
        #expect(released.map(\.deliveryID) == ["dlv_3"])
        _ = s.sent(endpointID: endpointID, lease: delivery(1).lease, nextAttemptAt: nil, disabled: false)
        let next = s.nextActions(now: t0)
        #expect(sentIDs(next) == ["dlv_4"] && next.sends.allSatisfy { $0.endpoint == edited })
        // Health changes do not touch updatedAt, and give nothing back.
        var healthier = edited
        healthier.health.lastSuccessAt = t0
        _ = s.claimed(endpointID: endpointID, claim: Claim(endpoint: healthier, deliveries: [delivery(5)], nextDueAt: nil), now: t0)
        let same = s.claimed(endpointID: endpointID, claim: Claim(endpoint: healthier, deliveries: [delivery(6)], nextDueAt: nil), now: t0)
        #expect(same.isEmpty, "the same version keeps its queue")
    }

    @Test func dueSignalClaimsOneWhileEndpointUnknown() {
        var s = DispatchState()
        s.due(endpointID: endpointID, at: t0)
        let a = s.nextActions(now: t0)
        #expect(claimsOf(a) == ["ep_1:1"])
        #expect(a.sends.isEmpty)
        #expect(a.wakeAt == nil)
        #expect(s.outstandingCount == 1)
        // The claim is under way: no second claim.
        let again = s.nextActions(now: t0)
        #expect(again.claims.isEmpty)
    }

    @Test func pastDueIsClaimed() {
        var s = DispatchState()
        s.due(endpointID: endpointID, at: t0.addingTimeInterval(-60))
        #expect(claimsOf(s.nextActions(now: t0)) == ["ep_1:1"])
    }

    @Test func sendsNoMoreThanMaxInFlight() {
        var s = claimedThree()
        #expect(s.heldCount == 3)
        let a = s.nextActions(now: t0)
        #expect(sentIDs(a) == ["dlv_1", "dlv_2"])
        #expect(a.sends.allSatisfy { $0.endpoint == endpoint(maxInFlight: 2) })
        #expect(a.claims.isEmpty)
        #expect(s.inFlightCount == 2)
        #expect(s.heldCount == 3)
        #expect(s.outstandingCount == 2)
    }

    @Test func sentFreesASlot() {
        var s = claimedThree()
        _ = s.nextActions(now: t0)
        let released = s.sent(endpointID: endpointID, lease: Lease(deliveryID: "dlv_1", token: 101), nextAttemptAt: nil, disabled: false)
        #expect(released.isEmpty)
        let a = s.nextActions(now: t0)
        #expect(sentIDs(a) == ["dlv_3"])
        #expect(a.claims.isEmpty)
        #expect(s.inFlightCount == 2)
        #expect(s.heldCount == 2)
        // Nothing left to send.
        _ = s.sent(endpointID: endpointID, lease: Lease(deliveryID: "dlv_2", token: 102), nextAttemptAt: nil, disabled: false)
        #expect(s.nextActions(now: t0).sends.isEmpty)
        #expect(s.inFlightCount == 1)
    }

    @Test func drainReturnsQueuedLeasesAndStopsClaiming() {
        var s = claimedThree()
        _ = s.nextActions(now: t0)
        let leases = s.drain()
        #expect(leases == [Lease(deliveryID: "dlv_3", token: 103)])
        #expect(s.isDraining)
        #expect(s.heldCount == 2)
        // A slot frees and new work is due: neither a send nor a claim follows.
        _ = s.sent(endpointID: endpointID, lease: Lease(deliveryID: "dlv_1", token: 101), nextAttemptAt: t0, disabled: false)
        s.due(endpointID: "ep_2", at: t0)
        let a = s.nextActions(now: t0.addingTimeInterval(1))
        #expect(a.claims.isEmpty)
        #expect(a.sends.isEmpty)
        #expect(s.outstandingCount == 1)
    }

    @Test func claimAnsweredWhileDrainingIsHandedBack() {
        var s = DispatchState()
        s.due(endpointID: endpointID, at: t0)
        _ = s.nextActions(now: t0)
        #expect(s.drain().isEmpty)
        let released = s.claimed(endpointID: endpointID, claim: Claim(endpoint: endpoint(), deliveries: [delivery(1), delivery(2)], nextDueAt: nil), now: t0)
        #expect(released == [Lease(deliveryID: "dlv_1", token: 101), Lease(deliveryID: "dlv_2", token: 102)])
        #expect(s.heldCount == 0)
        #expect(s.outstandingCount == 0)
    }

    @Test func futureDueGivesWakeAtAndNoClaim() {
        var s = DispatchState()
        let later = t0.addingTimeInterval(300)
        s.due(endpointID: endpointID, at: later)
        let a = s.nextActions(now: t0)
        #expect(a.claims.isEmpty)
        #expect(a.sends.isEmpty)
        #expect(a.wakeAt == later)
        // At that time the claim is made.
        let b = s.nextActions(now: later)
        #expect(claimsOf(b) == ["ep_1:1"])
        #expect(b.wakeAt == nil)
    }

    @Test func earlierDueReplacesWakeAt() {
        var s = DispatchState()
        s.due(endpointID: endpointID, at: t0.addingTimeInterval(300))
        s.due(endpointID: endpointID, at: t0.addingTimeInterval(100))
        #expect(s.nextActions(now: t0).wakeAt == t0.addingTimeInterval(100))
        #expect(claimsOf(s.nextActions(now: t0.addingTimeInterval(100))) == ["ep_1:1"])
    }

    @Test func endpointChangedReturnsQueuedLeases() {
        var s = claimedThree()
        _ = s.nextActions(now: t0)
        let released = s.endpointChanged(endpointID: endpointID)
        #expect(released == [Lease(deliveryID: "dlv_3", token: 103)])
        #expect(s.heldCount == 2)
        // The endpoint is read afresh once its requests finish: one claim of one.
        let a = s.nextActions(now: t0)
        #expect(a.sends.isEmpty)
        #expect(a.claims.isEmpty)
        _ = s.sent(endpointID: endpointID, lease: Lease(deliveryID: "dlv_1", token: 101), nextAttemptAt: nil, disabled: false)
        _ = s.sent(endpointID: endpointID, lease: Lease(deliveryID: "dlv_2", token: 102), nextAttemptAt: nil, disabled: false)
        // Answered, so their slots are free; the claim names them, since the store holds their
        // leases until the outcomes are recorded.
        let b = s.nextActions(now: t0)
        #expect(claimsOf(b) == ["ep_1:1"])
        #expect(b.claims.first?.answered.map(\.deliveryID).sorted() == ["dlv_1", "dlv_2"])
    }

    @Test func endpointChangedForUnknownEndpointReturnsNothing() {
        var s = DispatchState()
        #expect(s.endpointChanged(endpointID: "ep_none").isEmpty)
    }

    @Test func goneDisablesAndHandsBackQueued() {
        var s = claimedThree()
        _ = s.nextActions(now: t0)
        let released = s.sent(endpointID: endpointID, lease: Lease(deliveryID: "dlv_1", token: 101), nextAttemptAt: t0, disabled: true)
        #expect(released == [Lease(deliveryID: "dlv_3", token: 103)])
        #expect(s.nextActions(now: t0).sends.isEmpty)
    }

    @Test func claimOfGoneEndpointHandsBackDeliveries() {
        var s = DispatchState()
        s.due(endpointID: endpointID, at: t0)
        _ = s.nextActions(now: t0)
        let released = s.claimed(endpointID: endpointID, claim: Claim(endpoint: nil, deliveries: [delivery(1)], nextDueAt: nil), now: t0)
        #expect(released == [Lease(deliveryID: "dlv_1", token: 101)])
        let a = s.nextActions(now: t0)
        #expect(a.sends.isEmpty)
        #expect(a.claims.isEmpty)
        #expect(s.heldCount == 0)
    }

    @Test func knownEndpointClaimsItsFreeSlots() {
        var s = DispatchState()
        s.due(endpointID: endpointID, at: t0)
        _ = s.nextActions(now: t0)
        // The first claim brought one delivery and says more are due now.
        _ = s.claimed(endpointID: endpointID, claim: Claim(endpoint: endpoint(maxInFlight: 4), deliveries: [delivery(1)], nextDueAt: t0), now: t0)
        let a = s.nextActions(now: t0)
        #expect(sentIDs(a) == ["dlv_1"])
        // 4 slots − 1 in flight.
        #expect(claimsOf(a) == ["ep_1:3"])
    }

    /// An answer frees its slot at once; until its record lands, claims name the delivery so
    /// that the store, which still holds its lease, leaves it out of the endpoint's count.
    @Test func answeredDeliveriesFreeTheirSlotsAndAreNamedUntilRecorded() {
        var s = DispatchState()
        s.due(endpointID: endpointID, at: t0)
        _ = s.nextActions(now: t0)
        _ = s.claimed(endpointID: endpointID, claim: Claim(endpoint: endpoint(maxInFlight: 2), deliveries: [delivery(1)], nextDueAt: t0), now: t0)
        let a = s.nextActions(now: t0)
        #expect(sentIDs(a) == ["dlv_1"])
        #expect(claimsOf(a) == ["ep_1:1"] && a.claims.first?.answered == [])
        _ = s.claimed(endpointID: endpointID, claim: Claim(endpoint: endpoint(maxInFlight: 2), deliveries: [delivery(2)], nextDueAt: t0), now: t0)
        _ = s.nextActions(now: t0)
        _ = s.sent(endpointID: endpointID, lease: Lease(deliveryID: "dlv_1", token: 101), nextAttemptAt: nil, disabled: false)
        let b = s.nextActions(now: t0)
        #expect(claimsOf(b) == ["ep_1:1"] && b.claims.first?.answered == [Lease(deliveryID: "dlv_1", token: 101)], "the slot is free before the record")
        _ = s.claimed(endpointID: endpointID, claim: Claim(endpoint: endpoint(maxInFlight: 2), deliveries: [delivery(3)], nextDueAt: t0), now: t0)
        #expect(sentIDs(s.nextActions(now: t0)) == ["dlv_3"])
        // Once recorded, the store no longer holds its lease, and claims stop naming it.
        s.recorded(endpointID: endpointID, deliveryIDs: ["dlv_1"])
        _ = s.sent(endpointID: endpointID, lease: Lease(deliveryID: "dlv_2", token: 102), nextAttemptAt: nil, disabled: false)
        let c = s.nextActions(now: t0)
        #expect(claimsOf(c) == ["ep_1:1"] && c.claims.first?.answered == [Lease(deliveryID: "dlv_2", token: 102)])
        // Every answer recorded, nothing under way, nothing due: the lane is forgotten.
        _ = s.claimed(endpointID: endpointID, claim: Claim(endpoint: endpoint(maxInFlight: 2), deliveries: [], nextDueAt: nil), now: t0)
        _ = s.sent(endpointID: endpointID, lease: Lease(deliveryID: "dlv_3", token: 103), nextAttemptAt: nil, disabled: false)
        s.recorded(endpointID: endpointID, deliveryIDs: ["dlv_2", "dlv_3"])
        _ = s.nextActions(now: t0)
        #expect(s.heldCount == 0 && s.outstandingCount == 0)
    }

    /// A lane that has claimed `dlv_1` and sent it.
    func oneSent(maxInFlight: Int, nextDueAt: Date?) -> DispatchState {
        var s = DispatchState()
        s.due(endpointID: endpointID, at: t0)
        _ = s.nextActions(now: t0)
        let claim = Claim(endpoint: endpoint(maxInFlight: maxInFlight), deliveries: [delivery(1)], nextDueAt: nextDueAt)
        _ = s.claimed(endpointID: endpointID, claim: claim, now: t0)
        #expect(sentIDs(s.nextActions(now: t0)) == ["dlv_1"])
        return s
    }

    /// A failure that counts against the endpoint's health keeps its slot until its record
    /// lands, since that record may start a cool-down: the lane claims nothing in between, and
    /// never names the failed lease.
    @Test func aFailedAnswerKeepsItsSlotUntilRecorded() {
        var s = oneSent(maxInFlight: 1, nextDueAt: t0)
        _ = s.sent(endpointID: endpointID, lease: Lease(deliveryID: "dlv_1", token: 101), nextAttemptAt: nil, disabled: false, failed: true)
        let a = s.nextActions(now: t0)
        #expect(a.claims.isEmpty && a.sends.isEmpty, "the slot stays taken until the record")
        #expect(s.outstandingCount == 0)
        s.recorded(endpointID: endpointID, deliveryIDs: ["dlv_1"])
        let b = s.nextActions(now: t0)
        #expect(claimsOf(b) == ["ep_1:1"] && b.claims.first?.answered == [], "free once recorded, and never named")
        // A success, by contrast, frees its slot at once.
        _ = s.claimed(endpointID: endpointID, claim: Claim(endpoint: endpoint(maxInFlight: 1), deliveries: [delivery(2)], nextDueAt: t0), now: t0)
        #expect(sentIDs(s.nextActions(now: t0)) == ["dlv_2"])
        _ = s.sent(endpointID: endpointID, lease: Lease(deliveryID: "dlv_2", token: 102), nextAttemptAt: nil, disabled: false)
        let c = s.nextActions(now: t0)
        #expect(claimsOf(c) == ["ep_1:1"] && c.claims.first?.answered == [Lease(deliveryID: "dlv_2", token: 102)])
    }

    /// A retry claimed before its failed attempt was recorded finds the delivery still leased,
    /// and the store says it is due when the lease ends. Once the record lands, the lane asks
    /// again at the retry's own time instead of waiting out the lease.
    @Test func aRetryIsClaimedAgainOnceItsRecordLands() {
        var s = oneSent(maxInFlight: 4, nextDueAt: nil)
        let retryAt = t0.addingTimeInterval(0.2)
        _ = s.sent(endpointID: endpointID, lease: Lease(deliveryID: "dlv_1", token: 101), nextAttemptAt: retryAt, disabled: false)
        #expect(claimsOf(s.nextActions(now: retryAt)) == ["ep_1:4"])
        let leaseEnd = t0.addingTimeInterval(60)
        _ = s.claimed(endpointID: endpointID, claim: Claim(endpoint: endpoint(maxInFlight: 4), deliveries: [], nextDueAt: leaseEnd), now: retryAt)
        #expect(s.nextActions(now: retryAt).wakeAt == leaseEnd)
        s.recorded(endpointID: endpointID, deliveryIDs: ["dlv_1"])
        #expect(claimsOf(s.nextActions(now: retryAt)) == ["ep_1:4"])
    }

    @Test func aClaimCutShortByOtherNodesBacksOff() {
        var s = DispatchState()
        s.due(endpointID: endpointID, at: t0)
        _ = s.nextActions(now: t0)
        // Asked for one, got none though work is due: other nodes hold the endpoint's slots.
        _ = s.claimed(endpointID: endpointID, claim: Claim(endpoint: endpoint(maxInFlight: 4), deliveries: [], nextDueAt: t0), now: t0)
        let a = s.nextActions(now: t0)
        #expect(a.claims.isEmpty)
        let retryAt = t0.addingTimeInterval(DispatchState.saturatedBackoff)
        #expect(a.wakeAt == retryAt)
        #expect(claimsOf(s.nextActions(now: retryAt)) == ["ep_1:4"])
        // A full claim does not back off: more work follows as soon as slots free up.
        _ = s.claimed(endpointID: endpointID, claim: Claim(endpoint: endpoint(maxInFlight: 4), deliveries: [delivery(1), delivery(2), delivery(3), delivery(4)], nextDueAt: t0), now: retryAt)
        let b = s.nextActions(now: retryAt)
        #expect(sentIDs(b).count == 4)
        _ = s.sent(endpointID: endpointID, lease: Lease(deliveryID: "dlv_1", token: 101), nextAttemptAt: nil, disabled: false)
        s.recorded(endpointID: endpointID, deliveryIDs: ["dlv_1"])
        #expect(claimsOf(s.nextActions(now: retryAt)) == ["ep_1:1"])
    }

    @Test func dueDuringClaimIsKept() {
        var s = DispatchState()
        s.due(endpointID: endpointID, at: t0)
        _ = s.nextActions(now: t0)
        // A signal arrives while the claim is under way; the claim's answer misses it.
        s.due(endpointID: endpointID, at: t0.addingTimeInterval(1))
        _ = s.claimed(endpointID: endpointID, claim: Claim(endpoint: endpoint(maxInFlight: 2), deliveries: [], nextDueAt: nil), now: t0)
        let a = s.nextActions(now: t0.addingTimeInterval(1))
        #expect(claimsOf(a) == ["ep_1:2"])
    }

    @Test func claimFailedRetriesLater() {
        var s = DispatchState()
        s.due(endpointID: endpointID, at: t0)
        _ = s.nextActions(now: t0)
        let retryAt = t0.addingTimeInterval(5)
        s.claimFailed(endpointID: endpointID, retryAt: retryAt)
        #expect(s.outstandingCount == 0)
        let a = s.nextActions(now: t0.addingTimeInterval(1))
        #expect(a.claims.isEmpty)
        #expect(a.wakeAt == retryAt)
        #expect(claimsOf(s.nextActions(now: retryAt)) == ["ep_1:1"])
    }

    @Test func lanesAreIndependent() {
        var s = DispatchState()
        s.due(endpointID: "ep_a", at: t0)
        s.due(endpointID: "ep_b", at: t0)
        let a = s.nextActions(now: t0)
        #expect(Set(claimsOf(a)) == ["ep_a:1", "ep_b:1"])
    }

    /// The endpoint changes (edited, paused, deleted) while a claim is under way. The claim's
    /// answer, read before the change committed, carries the old Endpoint: its deliveries are
    /// handed back and claimed afresh instead of being sent with the old URL or secret.
    @Test func endpointChangedWhileClaimingDoesNotSendWithStaleEndpoint() {
        var s = DispatchState()
        s.due(endpointID: endpointID, at: t0)
        #expect(claimsOf(s.nextActions(now: t0)) == ["ep_1:1"])
        #expect(s.endpointChanged(endpointID: endpointID).isEmpty)
        let stale = endpoint(maxInFlight: 2)
        let released = s.claimed(endpointID: endpointID, claim: Claim(endpoint: stale, deliveries: [delivery(1)], nextDueAt: nil), now: t0)
        #expect(released == [Lease(deliveryID: "dlv_1", token: 101)])
        let a = s.nextActions(now: t0)
        #expect(a.sends.isEmpty)
        // A fresh claim follows, which reads the endpoint as it is now.
        #expect(claimsOf(a) == ["ep_1:1"])
    }
}
