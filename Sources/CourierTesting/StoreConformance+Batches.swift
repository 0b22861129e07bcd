import Courier
import Foundation

/// Batching, as every store must do it: opened as events are published and gathered inside
/// the claim (never split or shared between claimants), retried as a unit, with the events'
/// deliveries following their batch.
extension StoreConformance {
    static func batchingEndpoint(_ id: String, maxSize: Int?, maxWaitMs: Int?, retry: RetryPolicy = .delays([10])) throws -> Endpoint {
        var ep = try endpoint(id, retry: retry)
        ep.batch = BatchPolicy(maxSize: maxSize, maxWaitMs: maxWaitMs)
        return ep
    }

    /// Publishes `count` events one by one at `start`, each to every endpoint; returns their ids.
    static func publishEvents(_ store: any Store, count: Int, from start: Date) async throws -> [String] {
        var ids: [String] = []
        for _ in 0..<count {
            ids += try await store.publish([try event()], tenantID: Tenant.defaultID, now: start).map(\.id)
        }
        return ids
    }

    static func claim(_ store: any Store, _ endpointID: String, at now: Date, lease: TimeInterval = 60) async throws -> Claim {
        try await store.claim(endpointID: endpointID, limit: 10, now: now, leaseUntil: now.addingTimeInterval(lease))
    }

    /// The ids of the events a claimed batch carries, read as the engine reads them before
    /// sending (a claim hands batches over unread).
    static func batchEventIDs(_ store: any Store, _ batch: ClaimedDelivery) async throws -> [String] {
        guard case .unreadBatch = batch.content else { throw ConformanceFailure(message: "a claim hands a batch over unread: \(batch.content)") }
        return try await store.batchEvents(batchID: batch.deliveryID).map(\.id)
    }

    static func members(_ store: any Store, batch: String) async throws -> [Delivery] {
        try await store.deliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(batchID: batch), page: PageRequest(limit: 100)).items
    }

    /// Lists are newest first whatever the kind: a batch's id once sorted after every event's
    /// delivery, so a batching endpoint's batches came last in its records.
    static func batchesListNewestFirstAmongDeliveries(_ store: any Store) async throws {
        try await store.insertEndpoint(try endpoint("ep_plain", types: ["plain"]))
        var batching = try endpoint("ep_batch", types: ["batched"])
        batching.batch = BatchPolicy(maxSize: 1)
        try await store.insertEndpoint(batching)
        _ = try await store.publish([try event("plain")], tenantID: Tenant.defaultID, now: t0)
        _ = try await store.publish([try event("batched")], tenantID: Tenant.defaultID, now: t0.addingTimeInterval(1))
        let page = try await store.deliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(), page: PageRequest())
        try expect(page.items.count == 3, "two events' deliveries and a batch: \(page.items.map(\.id))")
        try expect(page.items.prefix(2).contains { $0.eventID == nil }, "the batch among the newest: \(page.items.map(\.id))")
        try expect(page.items.last?.endpointID == "ep_plain", "the first publish's delivery last: \(page.items.map(\.id))")
    }

    static func batchFormation(_ store: any Store) async throws {
        try await store.insertEndpoint(try batchingEndpoint("ep_size", maxSize: 3, maxWaitMs: nil))
        try await store.insertEndpoint(try batchingEndpoint("ep_time", maxSize: nil, maxWaitMs: 5000))
        try await store.insertEndpoint(try batchingEndpoint("ep_both", maxSize: 2, maxWaitMs: 5000))
        var events = try await publishEvents(store, count: 2, from: t0)

        // Size only: two waiting are not a batch, and nothing says when they will be.
        var claim = try await self.claim(store, "ep_size", at: t0.addingTimeInterval(1))
        try expect(claim.deliveries.isEmpty && claim.nextDueAt == nil, "size only waits for more: \(claim.deliveries.count) \(String(describing: claim.nextDueAt))")
        // Time only: they go once the oldest has waited maxWaitMs.
        claim = try await self.claim(store, "ep_time", at: t0.addingTimeInterval(1))
        try expect(claim.deliveries.isEmpty, "time only waits")
        try expect(claim.nextDueAt == t0.addingTimeInterval(5), "until the oldest has waited 5 s: \(String(describing: claim.nextDueAt))")
        claim = try await self.claim(store, "ep_time", at: t0.addingTimeInterval(5))
        try expect(claim.deliveries.count == 1, "one batch: \(claim.deliveries.count)")
        let timeBatch = claim.deliveries[0]
        try expect(try await batchEventIDs(store, timeBatch) == events, "of both, oldest first")
        // A delivery's id like any other (so that lists keep newest first across kinds), of its own.
        try expect(timeBatch.isBatch && timeBatch.deliveryID.hasPrefix("dlv_"), "a batch with its own id: \(timeBatch.deliveryID)")

        events += try await publishEvents(store, count: 2, from: t0.addingTimeInterval(6))
        claim = try await self.claim(store, "ep_size", at: t0.addingTimeInterval(7))
        try expect(claim.deliveries.count == 1, "size reached: one batch")
        try expect(try await batchEventIDs(store, claim.deliveries[0]) == Array(events.prefix(3)), "of the oldest three")
        try expect(claim.nextDueAt == t0.addingTimeInterval(67), "the fourth waits for two more; next is the batch's lease end")
        // Both: the size goes at once, the rest when its time comes.
        claim = try await self.claim(store, "ep_both", at: t0.addingTimeInterval(7))
        var sizes: [Int] = []
        for batch in claim.deliveries { sizes.append(try await batchEventIDs(store, batch).count) }
        try expect(sizes == [2, 2], "two full batches at once: \(sizes)")
        events += try await publishEvents(store, count: 1, from: t0.addingTimeInterval(8))
        claim = try await self.claim(store, "ep_both", at: t0.addingTimeInterval(8))
        try expect(claim.deliveries.isEmpty && claim.nextDueAt == t0.addingTimeInterval(13), "one waits 5 s: \(String(describing: claim.nextDueAt))")
        claim = try await self.claim(store, "ep_both", at: t0.addingTimeInterval(13))
        try expect(claim.deliveries.count == 1, "then goes alone")
        try expect(try await batchEventIDs(store, claim.deliveries[0]).count == 1, "with itself only")

        // The records: the batch is a delivery without an event; its events' deliveries name it.
        let batch = try unwrap(try await store.delivery(tenantID: Tenant.defaultID, id: timeBatch.deliveryID), "the batch")
        try expect(batch.eventID == nil && batch.endpointID == "ep_time" && batch.state == .pending, "the batch's record")
        let carried = try await members(store, batch: timeBatch.deliveryID)
        try expect(Set(carried.compactMap(\.eventID)) == Set(events.prefix(2)), "its deliveries name it")
        try expect(carried.allSatisfy { $0.state == .batched && $0.batchID == timeBatch.deliveryID }, "and are batched")
    }

    static func batchRetries(_ store: any Store) async throws {
        let ep = try batchingEndpoint("ep_a", maxSize: 2, maxWaitMs: nil, retry: .delays([10]))
        try await store.insertEndpoint(ep)
        let events = try await publishEvents(store, count: 2, from: t0)
        let first = try unwrap(try await claim(store, "ep_a", at: t0).deliveries.first, "a batch")
        var transition = try await record(store, first, endpoint: ep, status: 500, at: t0)
        try expect(transition.state == .retrying, "the batch retries")
        var carried = try await members(store, batch: first.deliveryID)
        try expect(carried.allSatisfy { $0.state == .batched && $0.attemptCount == 1 && $0.lastStatus == 500 }, "its deliveries stay with it and count the attempt")
        try expect(try await claim(store, "ep_a", at: t0.addingTimeInterval(5)).deliveries.isEmpty, "not before its retry")
        let again = try unwrap(try await claim(store, "ep_a", at: t0.addingTimeInterval(10)).deliveries.first, "the retry")
        try expect(again.deliveryID == first.deliveryID, "the same batch")
        try expect(try await batchEventIDs(store, again) == events, "with the same events")
        transition = try await record(store, again, endpoint: ep, status: 500, at: t0.addingTimeInterval(10))
        try expect(transition.state == .exhausted, "out of retries")
        carried = try await members(store, batch: first.deliveryID)
        try expect(carried.allSatisfy { $0.state == .exhausted && $0.attemptCount == 2 }, "its deliveries are exhausted with it")

        // Requeueing the batch brings them back, and it goes again as it was.
        _ = try await store.apply(.requeue, tenantID: Tenant.defaultID, deliveryID: first.deliveryID, now: t0.addingTimeInterval(20))
        carried = try await members(store, batch: first.deliveryID)
        try expect(carried.allSatisfy { $0.state == .batched }, "requeued with the batch: \(carried.map(\.state))")
        let third = try unwrap(try await claim(store, "ep_a", at: t0.addingTimeInterval(20)).deliveries.first, "the requeued batch")
        try expect(third.deliveryID == first.deliveryID, "the same batch")
        try expect(try await batchEventIDs(store, third).count == 2, "with both events")
        _ = try await record(store, third, endpoint: ep, status: 204, at: t0.addingTimeInterval(20))
        carried = try await members(store, batch: first.deliveryID)
        try expect(carried.allSatisfy { $0.state == .succeeded && $0.attemptCount == 3 }, "they succeed with it")
        try await expectError(.conflict, "requeueing a delivery that is not finished") {
            _ = try await store.apply(.requeue, tenantID: Tenant.defaultID, deliveryID: carried[0].id, now: t0.addingTimeInterval(21))
        }
    }

    static func batchPartialFailure(_ store: any Store) async throws {
        let ep = try batchingEndpoint("ep_a", maxSize: 3, maxWaitMs: 1000, retry: .delays([10]))
        try await store.insertEndpoint(ep)
        let events = try await publishEvents(store, count: 3, from: t0)
        let first = try unwrap(try await claim(store, "ep_a", at: t0).deliveries.first, "a batch")
        _ = try await record(store, first, endpoint: ep, status: 200, at: t0, failed: [events[1], "evt_not_in_this_batch"])
        let carried = try await members(store, batch: first.deliveryID)
        let byEvent = Dictionary(uniqueKeysWithValues: carried.map { ($0.eventID ?? "", $0) })
        try expect(byEvent[events[0]]?.state == .succeeded && byEvent[events[2]]?.state == .succeeded, "the others succeeded")
        let failed = try unwrap(byEvent[events[1]], "the failed one")
        let retryAt = try unwrap(failed.nextAttemptAt, "its next attempt").timeIntervalSince(t0)
        try expect(failed.state == .retrying && abs(retryAt - 10) < 1, "the listed one retries on its own schedule: \(failed.state) \(retryAt)")
        let batch = try unwrap(try await store.delivery(tenantID: Tenant.defaultID, id: first.deliveryID), "the batch")
        try expect(batch.state == .succeeded, "the batch's request succeeded")
        // It goes again in a new batch, alone, once due and its wait is over.
        try expect(try await claim(store, "ep_a", at: t0.addingTimeInterval(10.5)).deliveries.isEmpty, "waits maxWaitMs once due")
        let second = try unwrap(try await claim(store, "ep_a", at: t0.addingTimeInterval(12)).deliveries.first, "the retry batch")
        try expect(second.deliveryID != first.deliveryID, "a new batch")
        try expect(try await batchEventIDs(store, second) == [events[1]], "with only the failed event")
        _ = try await record(store, second, endpoint: ep, status: 200, at: t0.addingTimeInterval(12), failed: [events[1]])
        let last = try unwrap(try await store.delivery(tenantID: Tenant.defaultID, id: failed.id), "the failed delivery")
        try expect(last.state == .exhausted && last.attemptCount == 2 && last.batchID == second.deliveryID, "its budget ran out: \(last.state)")
    }

    static func batchLeaseExpiry(_ store: any Store) async throws {
        let ep = try batchingEndpoint("ep_a", maxSize: 2, maxWaitMs: nil)
        try await store.insertEndpoint(ep)
        let events = try await publishEvents(store, count: 2, from: t0)
        let old = try unwrap(try await claim(store, "ep_a", at: t0, lease: 30).deliveries.first, "a batch")
        try expect(try await claim(store, "ep_a", at: t0.addingTimeInterval(29)).deliveries.isEmpty, "held while leased")
        let new = try unwrap(try await claim(store, "ep_a", at: t0.addingTimeInterval(31)).deliveries.first, "the batch again")
        try expect(new.deliveryID == old.deliveryID && new.leaseToken > old.leaseToken, "the same batch with a new token")
        try expect(try await batchEventIDs(store, new) == events, "and the same events")
        _ = try await record(store, old, endpoint: ep, status: 500, at: t0.addingTimeInterval(32))
        var carried = try await members(store, batch: old.deliveryID)
        try expect(carried.allSatisfy { $0.state == .batched && $0.attemptCount == 0 }, "the old holder's record is fenced off")
        _ = try await record(store, new, endpoint: ep, status: 200, at: t0.addingTimeInterval(33))
        carried = try await members(store, batch: old.deliveryID)
        try expect(carried.allSatisfy { $0.state == .succeeded }, "the current holder's record applies")
    }

    static func batchCancel(_ store: any Store) async throws {
        let ep = try batchingEndpoint("ep_a", maxSize: 3, maxWaitMs: nil, retry: .delays([10]))
        try await store.insertEndpoint(ep)
        let events = try await publishEvents(store, count: 3, from: t0)
        let batch = try unwrap(try await claim(store, "ep_a", at: t0).deliveries.first, "a batch")
        _ = try await record(store, batch, endpoint: ep, status: 503, at: t0)
        let carried = try await members(store, batch: batch.deliveryID)
        let first = try unwrap(carried.first { $0.eventID == events[0] }, "the first event's delivery")
        let cancelled = try await store.apply(.cancel, tenantID: Tenant.defaultID, deliveryID: first.id, now: t0.addingTimeInterval(1))
        try expect(cancelled.state == .cancelled, "a batched delivery can be cancelled")
        try await expectError(.conflict, "resending a batched delivery") {
            _ = try await store.apply(.resend, tenantID: Tenant.defaultID, deliveryID: carried[1].id, now: t0.addingTimeInterval(1))
        }
        let retry = try unwrap(try await claim(store, "ep_a", at: t0.addingTimeInterval(10)).deliveries.first, "the retry")
        try expect(try await batchEventIDs(store, retry) == Array(events.suffix(2)), "the cancelled one is out of the batch")
        _ = try await record(store, retry, endpoint: ep, status: 503, at: t0.addingTimeInterval(10))
        // Out of retries now; cancel the exhausted batch? Not allowed; requeue then cancel it.
        _ = try await store.apply(.requeue, tenantID: Tenant.defaultID, deliveryID: batch.deliveryID, now: t0.addingTimeInterval(11))
        _ = try await store.apply(.cancel, tenantID: Tenant.defaultID, deliveryID: batch.deliveryID, now: t0.addingTimeInterval(11))
        let after = try await members(store, batch: batch.deliveryID)
        try expect(after.allSatisfy { $0.state == .cancelled }, "cancelling the batch cancels what it carried: \(after.map(\.state))")
        try expect(try await claim(store, "ep_a", at: t0.addingTimeInterval(20)).deliveries.isEmpty, "nothing left to send")
    }

    /// The events of a batch are read after its claim, just before it is sent: what was
    /// cancelled in between stays out, and a batch whose every event was is read as empty.
    static func batchReadAfterTheClaim(_ store: any Store) async throws {
        let ep = try batchingEndpoint("ep_a", maxSize: 3, maxWaitMs: nil)
        try await store.insertEndpoint(ep)
        let events = try await publishEvents(store, count: 3, from: t0)
        let batch = try unwrap(try await claim(store, "ep_a", at: t0).deliveries.first, "a batch")
        let carried = try await members(store, batch: batch.deliveryID)
        try expect(carried.count == 3, "it carries all three: \(carried.count)")
        let byEvent = Dictionary(uniqueKeysWithValues: carried.map { ($0.eventID ?? "", $0.id) })
        _ = try await store.apply(.cancel, tenantID: Tenant.defaultID, deliveryID: try unwrap(byEvent[events[1]], "the second"), now: t0)
        try expect(try await batchEventIDs(store, batch) == [events[0], events[2]], "the one cancelled after the claim is left out")
        for event in [events[0], events[2]] {
            _ = try await store.apply(.cancel, tenantID: Tenant.defaultID, deliveryID: try unwrap(byEvent[event], "a member"), now: t0)
        }
        try expect(try await batchEventIDs(store, batch).isEmpty, "every event cancelled: nothing to read")
        try expect(try await store.batchEvents(batchID: "bat_unknown").isEmpty, "an unknown batch carries nothing")
    }

    /// A batching endpoint's deliveries join a batch as they are published: the batch is a
    /// pending delivery of its own from the first, due when full or when its wait is over, and
    /// the claim that takes it closes it to later events.
    static func batchesOpenAsEventsArePublished(_ store: any Store) async throws {
        try await store.insertEndpoint(try batchingEndpoint("ep_a", maxSize: 3, maxWaitMs: 5000))
        try await store.insertEndpoint(try endpoint("ep_plain"))
        let first = try await publishEvents(store, count: 1, from: t0)
        var mine = try await store.deliveries(
            tenantID: Tenant.defaultID, filter: DeliveryFilter(endpointID: "ep_a"), page: PageRequest(limit: 10)
        ).items
        let member = try unwrap(mine.first { $0.eventID == first[0] }, "the event's delivery")
        let openID = try unwrap(member.batchID, "the batch it joined at once")
        try expect(member.state == .batched && member.nextAttemptAt == nil, "batched on publishing: \(member.state)")
        let open = try unwrap(try await store.delivery(tenantID: Tenant.defaultID, id: openID), "the open batch")
        try expect(open.eventID == nil && open.state == .pending && open.attemptCount == 0, "a pending batch: \(open.state)")
        try expect(open.nextAttemptAt == t0.addingTimeInterval(5), "due when its wait is over: \(String(describing: open.nextAttemptAt))")
        let plain = try await store.deliveries(
            tenantID: Tenant.defaultID, filter: DeliveryFilter(endpointID: "ep_plain"), page: PageRequest(limit: 10)
        ).items
        try expect(plain.count == 1 && plain[0].state == .pending && plain[0].batchID == nil, "another endpoint's is not batched")

        // An array fills the open batch, then opens the next.
        let array = try await store.publish(try (0..<4).map { _ in try event() }, tenantID: Tenant.defaultID, now: t0.addingTimeInterval(1))
        let events = first + array.map(\.id)
        try expect(Set(try await members(store, batch: openID).compactMap(\.eventID)) == Set(events.prefix(3)), "the first three fill it")
        mine = try await store.deliveries(
            tenantID: Tenant.defaultID, filter: DeliveryFilter(endpointID: "ep_a"), page: PageRequest(limit: 20)
        ).items
        let second = try unwrap(mine.first { $0.eventID == events[3] }?.batchID, "the fourth's batch")
        try expect(second != openID && mine.first { $0.eventID == events[4] }?.batchID == second, "the rest open another")

        var claim = try await self.claim(store, "ep_a", at: t0.addingTimeInterval(1))
        try expect(claim.deliveries.map(\.deliveryID) == [openID], "the full one goes: \(claim.deliveries.map(\.deliveryID))")
        try expect(try await batchEventIDs(store, claim.deliveries[0]) == Array(events.prefix(3)), "with its three, oldest first")
        try expect(claim.nextDueAt == t0.addingTimeInterval(6), "the other when its wait is over: \(String(describing: claim.nextDueAt))")

        // The claimed batch takes no more; the open one takes the next and, full, goes.
        let third = try await publishEvents(store, count: 2, from: t0.addingTimeInterval(2))
        try expect(try await members(store, batch: openID).count == 3, "a claimed batch is closed")
        try expect(Set(try await members(store, batch: second).compactMap(\.eventID)) == Set([events[3], events[4], third[0]]), "the open one fills")
        claim = try await self.claim(store, "ep_a", at: t0.addingTimeInterval(2))
        try expect(claim.deliveries.map(\.deliveryID) == [second], "and goes at once, full")
        let last = try unwrap(
            try await store.deliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(eventID: third[1]), page: PageRequest(limit: 10))
                .items.first { $0.endpointID == "ep_a" }?.batchID,
            "the last event's batch"
        )
        try expect(last != openID && last != second, "the last opened a third")

        // Paused, an endpoint's events still join batches; once resumed they go.
        _ = try await store.setEndpointStatus(tenantID: Tenant.defaultID, id: "ep_a", status: .paused, reason: nil, now: t0.addingTimeInterval(3))
        _ = try await publishEvents(store, count: 2, from: t0.addingTimeInterval(3))
        try expect(try await members(store, batch: last).count == 3, "joined while paused")
        try expect(try await self.claim(store, "ep_a", at: t0.addingTimeInterval(3)).deliveries.isEmpty, "nothing is claimed while paused")
        let backlog = try await store.backlog(now: t0.addingTimeInterval(3))
        let waiting = backlog.byEndpoint.first { $0.key == "ep_a" }?.count
        try expect(waiting == 9, "the backlog counts each batch's deliveries, the two under way too: \(String(describing: waiting))")
        _ = try await store.setEndpointStatus(tenantID: Tenant.defaultID, id: "ep_a", status: .active, reason: nil, now: t0.addingTimeInterval(4))
        claim = try await self.claim(store, "ep_a", at: t0.addingTimeInterval(4))
        try expect(claim.deliveries.map(\.deliveryID) == [last], "resumed, the full batch goes")

        // A cancelled open batch takes what it carries with it, and takes no more.
        _ = try await publishEvents(store, count: 1, from: t0.addingTimeInterval(5))
        let fourth = try unwrap(
            try await store.deliveries(
                tenantID: Tenant.defaultID, filter: DeliveryFilter(endpointID: "ep_a", state: .batched), page: PageRequest(limit: 10)
            ).items.compactMap(\.batchID).first { ![openID, second, last].contains($0) },
            "a fourth batch"
        )
        _ = try await store.apply(.cancel, tenantID: Tenant.defaultID, deliveryID: fourth, now: t0.addingTimeInterval(5))
        try expect(try await members(store, batch: fourth).allSatisfy { $0.state == .cancelled }, "its delivery is cancelled with it")
        let after = try await publishEvents(store, count: 1, from: t0.addingTimeInterval(6))
        let fifth = try await store.deliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(eventID: after[0]), page: PageRequest(limit: 10))
            .items.first { $0.endpointID == "ep_a" }?.batchID
        try expect(fifth != nil && fifth != fourth, "a cancelled batch is not open: \(String(describing: fifth))")
    }

    /// An open batch was opened under the policy of its day. A change of policy gives its
    /// deliveries back, pending and due as when published, and removes the batch, which was
    /// never sent; the policy the endpoint has now then gathers them, or sends them one by one.
    static func batchPolicyChangeReturnsOpenBatches(_ store: any Store) async throws {
        var ep = try batchingEndpoint("ep_a", maxSize: 3, maxWaitMs: nil)
        try await store.insertEndpoint(ep)
        let events = try await publishEvents(store, count: 3, from: t0) + (try await publishEvents(store, count: 2, from: t0.addingTimeInterval(1)))
        var claim = try await self.claim(store, "ep_a", at: t0.addingTimeInterval(2))
        try expect(claim.deliveries.count == 1, "the first three went: \(claim.deliveries.count)")
        let sent = claim.deliveries[0].deliveryID
        let waiting = try await store.deliveries(
            tenantID: Tenant.defaultID, filter: DeliveryFilter(eventID: events[3]), page: PageRequest(limit: 10)
        ).items
        let open = try unwrap(waiting.first?.batchID, "the open batch")
        let cancelled = try unwrap(try await members(store, batch: open).first { $0.eventID == events[4] }, "the fifth")
        _ = try await store.apply(.cancel, tenantID: Tenant.defaultID, deliveryID: cancelled.id, now: t0.addingTimeInterval(2))

        // The size shrinks to 1: the open batch, holding 2, gives them back.
        ep.batch = BatchPolicy(maxSize: 1)
        ep.updatedAt = t0.addingTimeInterval(3)
        try await store.updateEndpoint(ep)
        try expect(try await store.delivery(tenantID: Tenant.defaultID, id: open) == nil, "the open batch is gone")
        try expect(try await store.delivery(tenantID: Tenant.defaultID, id: sent)?.state == .pending, "the claimed one is untouched")
        try expect(try await members(store, batch: sent).count == 3, "and keeps its three")
        _ = try await record(store, claim.deliveries[0], endpoint: ep, status: 204, at: t0.addingTimeInterval(3))
        let fourth = try unwrap(try await store.delivery(tenantID: Tenant.defaultID, id: waiting[0].id), "the fourth's delivery")
        try expect(fourth.state == .pending && fourth.batchID == nil && fourth.nextAttemptAt == t0.addingTimeInterval(1),
                   "pending again, due as when published: \(fourth.state) \(String(describing: fourth.nextAttemptAt))")
        let fifth = try unwrap(try await store.delivery(tenantID: Tenant.defaultID, id: cancelled.id), "the fifth's delivery")
        try expect(fifth.state == .cancelled && fifth.batchID == nil, "the cancelled one stays cancelled: \(fifth.state)")
        claim = try await self.claim(store, "ep_a", at: t0.addingTimeInterval(3))
        try expect(claim.deliveries.count == 1 && claim.deliveries[0].isBatch, "gathered by the new policy: \(claim.deliveries.count)")
        try expect(try await batchEventIDs(store, claim.deliveries[0]) == [events[3]], "into a batch of one")
        _ = try await record(store, claim.deliveries[0], endpoint: ep, status: 204, at: t0.addingTimeInterval(3))

        // Batching off: the next events are sent one by one, and so is what waited.
        _ = try await publishEvents(store, count: 1, from: t0.addingTimeInterval(4))
        ep.batch = BatchPolicy(maxSize: 2)
        ep.updatedAt = t0.addingTimeInterval(4)
        try await store.updateEndpoint(ep)
        let late = try await publishEvents(store, count: 1, from: t0.addingTimeInterval(5))
        ep.batch = nil
        ep.updatedAt = t0.addingTimeInterval(6)
        try await store.updateEndpoint(ep)
        try expect(
            try await store.countDeliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(endpointID: "ep_a", state: .batched)) == 0,
            "nothing waits in a batch"
        )
        claim = try await self.claim(store, "ep_a", at: t0.addingTimeInterval(6))
        try expect(claim.deliveries.count == 2 && claim.deliveries.allSatisfy { !$0.isBatch }, "both go alone: \(claim.deliveries.map(\.deliveryID))")
        try expect(claim.deliveries.contains { $0.events.first?.id == late[0] }, "the last event among them")
        // A change that leaves the policy as it was keeps the open batch.
        ep.batch = BatchPolicy(maxSize: 2)
        ep.updatedAt = t0.addingTimeInterval(7)
        try await store.updateEndpoint(ep)
        let kept = try await publishEvents(store, count: 1, from: t0.addingTimeInterval(7))
        ep.name = "renamed"
        try await store.updateEndpoint(ep)
        let keptBatch = try await store.deliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(eventID: kept[0]), page: PageRequest(limit: 10))
            .items.first?.batchID
        try expect(keptBatch != nil, "a rename keeps the open batch")
    }

    /// Publishes at once, through as many connections as the store has, to one batching
    /// endpoint: each delivery is in exactly one batch, no batch is over its size, and every
    /// batch named exists.
    static func batchesFilledConcurrently(_ store: any Store) async throws {
        try await store.insertEndpoint(try batchingEndpoint("ep_a", maxSize: 7, maxWaitMs: 60_000))
        let published = try await withThrowingTaskGroup(of: [String].self) { group in
            for task in 0..<8 {
                group.addTask {
                    var ids: [String] = []
                    for round in 0..<10 {
                        let count = (task + round) % 3 + 1
                        ids += try await store.publish(
                            try (0..<count).map { _ in try event() }, tenantID: Tenant.defaultID, now: t0.addingTimeInterval(Double(round))
                        ).map(\.id)
                    }
                    return ids
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let deliveries = try await store.deliveries(
            tenantID: Tenant.defaultID, filter: DeliveryFilter(endpointID: "ep_a"), page: PageRequest(limit: 1000)
        ).items
        let carried = deliveries.filter { $0.eventID != nil }
        try expect(carried.count == published.count && Set(carried.compactMap(\.eventID)) == Set(published), "one delivery per event")
        try expect(carried.allSatisfy { $0.state == .batched }, "all batched")
        let byBatch = Dictionary(grouping: carried) { $0.batchID ?? "" }
        let batches = Set(deliveries.filter { $0.eventID == nil }.map(\.id))
        try expect(Set(byBatch.keys) == batches, "every batch named exists, and each carries something")
        try expect(byBatch.values.allSatisfy { $0.count <= 7 }, "none over its size: \(byBatch.values.map(\.count).sorted())")
        var claimed: [String] = []
        var at = t0.addingTimeInterval(70)
        while true {
            let claim = try await self.claim(store, "ep_a", at: at)
            guard !claim.deliveries.isEmpty else { break }
            for batch in claim.deliveries {
                claimed += try await batchEventIDs(store, batch)
                _ = try await record(store, batch, endpoint: try batchingEndpoint("ep_a", maxSize: 7, maxWaitMs: 60_000), status: 204, at: at)
            }
            at = at.addingTimeInterval(0.001)
        }
        try expect(claimed.count == published.count && Set(claimed) == Set(published), "every event goes once: \(claimed.count) of \(published.count)")
    }

    /// Publishing goes on while the endpoint's policy changes back and forth. When batching
    /// ends, no delivery may be left in a batch opened under the old policy: with `maxSize`
    /// alone, such a batch would never be due, and its events never sent.
    static func batchPolicyChangedWhilePublishing(_ store: any Store) async throws {
        var ep = try batchingEndpoint("ep_a", maxSize: 1000, maxWaitMs: nil)
        try await store.insertEndpoint(ep)
        let policies: [BatchPolicy?] = [nil, BatchPolicy(maxSize: 500), nil, BatchPolicy(maxSize: 1000), nil]
        let published = try await withThrowingTaskGroup(of: [String].self) { group in
            for task in 0..<4 {
                group.addTask {
                    var ids: [String] = []
                    for round in 0..<25 {
                        ids += try await store.publish(
                            try (0..<(task % 2 + 1)).map { _ in try event() }, tenantID: Tenant.defaultID,
                            now: t0.addingTimeInterval(Double(round) / 100)
                        ).map(\.id)
                    }
                    return ids
                }
            }
            group.addTask { [ep] in
                var changed = ep
                for (index, policy) in policies.enumerated() {
                    changed.batch = policy
                    changed.updatedAt = t0.addingTimeInterval(Double(index) / 10)
                    try await store.updateEndpoint(changed)
                    await Task.yield()
                }
                return []
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        ep.batch = nil
        ep.updatedAt = t0.addingTimeInterval(1)
        try await store.updateEndpoint(ep)
        let deliveries = try await store.deliveries(
            tenantID: Tenant.defaultID, filter: DeliveryFilter(endpointID: "ep_a"), page: PageRequest(limit: 1000)
        ).items
        try expect(deliveries.allSatisfy { $0.eventID != nil && $0.state == .pending && $0.batchID == nil },
                   "every delivery pending on its own: \(Set(deliveries.map(\.state))) \(deliveries.filter { $0.eventID == nil }.count) batches")
        try expect(Set(deliveries.compactMap(\.eventID)) == Set(published) && deliveries.count == published.count, "one per event")
    }

    /// Publishing and sending messages go on while endpoints are deleted. Deleting cancels
    /// what an endpoint had to send; a publish or a message that read the endpoint before the
    /// deletion must not leave a delivery behind it, which no claim would ever take (claims
    /// pass over deleted endpoints).
    static func endpointDeletedWhilePublishing(_ store: any Store) async throws {
        try await store.insertEndpoint(try endpoint("ep_a"))
        try await store.insertEndpoint(try batchingEndpoint("ep_b", maxSize: 1000, maxWaitMs: nil))
        try await store.insertEndpoint(try backend("ep_gw", name: "gw"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<4 {
                group.addTask {
                    for round in 0..<25 {
                        let now = t0.addingTimeInterval(Double(round) / 100)
                        _ = try await store.publish(try (0..<(task % 2 + 1)).map { _ in try event() }, tenantID: Tenant.defaultID, now: now)
                        do {
                            _ = try await store.createMessage(
                                try NewMessage(text: "hi", to: [.init(backend: "gw", identity: "+\(task)\(round)")]),
                                tenantID: Tenant.defaultID, now: now
                            )
                        } catch let error as CourierError where error.code == "unknown_backend" {
                            // Deleted: refused, as it should be.
                        }
                    }
                }
            }
            group.addTask {
                for id in ["ep_a", "ep_gw", "ep_b"] {
                    for _ in 0..<20 { await Task.yield() }
                    try await store.deleteEndpoint(tenantID: Tenant.defaultID, id: id, now: t0.addingTimeInterval(0.1))
                }
            }
            try await group.waitForAll()
        }
        for id in ["ep_a", "ep_b", "ep_gw"] {
            var left = 0
            for state in [DeliveryState.pending, .retrying, .batched] {
                left += try await store.countDeliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(endpointID: id, state: state))
            }
            try expect(left == 0, "\(id): \(left) deliveries left to send to a deleted endpoint")
        }
    }
}
