import Courier
import Foundation

/// Batching, as every store must do it: formed inside the claim (never split or shared
/// between claimants), retried as a unit, with the events' deliveries following their batch.
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
        try expect(timeBatch.isBatch && timeBatch.deliveryID.hasPrefix("bat_"), "a batch with its own id: \(timeBatch.deliveryID)")

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
}
