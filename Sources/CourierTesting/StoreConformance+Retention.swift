import Courier
import Foundation

/// Retention, as every store must do it: what ended before the cut-off goes whole (an event
/// with its deliveries and their attempts, a batch once its events have gone, a message with
/// its transmissions), and nothing goes that is still under way or changed since.
extension StoreConformance {
    /// A cut-off after every time any check makes ids at. Ids count up from the latest time
    /// any id in the process was made at, so an id made "at t0" after another check made one
    /// days later carries that later time; every id here is still below this cut-off. Later
    /// times go into rows' times only, never into an id, so as not to move other checks' ids.
    static let farCutoff = Date(timeIntervalSince1970: 7_258_118_400)  // 2200-01-01

    /// Runs a whole pass in steps of `limit`; returns what it deleted in all.
    static func expireAll(_ store: any Store, before cutoff: Date, limit: Int = 2) async throws -> RetentionStep {
        var total = RetentionStep(next: nil)
        var position: RetentionStep.Position? = .start
        var steps = 0
        while let current = position {
            let step = try await store.expire(current, before: cutoff, limit: limit)
            total.events += step.events
            total.messages += step.messages
            total.deliveries += step.deliveries
            position = step.next
            steps += 1
            try expect(steps < 100, "a pass ends: \(String(describing: position))")
        }
        return total
    }

    static func retention(_ store: any Store) async throws {
        let tenant = Tenant.defaultID
        let plain = try endpoint("ep_plain", types: ["plain.*"])
        try await store.insertEndpoint(plain)
        var batching = try endpoint("ep_batch", types: ["batched"])
        batching.batch = BatchPolicy(maxSize: 2)
        try await store.insertEndpoint(batching)
        var single = try endpoint("ep_single", types: ["single"])
        single.batch = BatchPolicy(maxSize: 1)
        try await store.insertEndpoint(single)
        let crm = try endpoint("ep_crm", types: [], name: "crm")
        try await store.insertEndpoint(crm)
        let gw = try backend()
        try await store.insertEndpoint(gw)
        try await store.insertEndpoint(try backend("ep_small", name: "small", batchSize: 1))
        try await store.createTenant(Tenant(id: "acme", createdAt: t0))
        let acme = try endpoint("ep_acme", tenant: "acme")
        try await store.insertEndpoint(acme)

        func publish(_ type: String, tenant: String = tenant, idempotencyKey: String? = nil) async throws -> String {
            try await store.publish([try event(type, idempotencyKey: idempotencyKey)], tenantID: tenant, now: t0)[0].id
        }
        // Delivered, and nothing since: goes, with its idempotency key.
        let done = try await publish("plain.done", idempotencyKey: "k1")
        let doneDelivery = try await claimOne(store, plain.id, at: t0)
        _ = try await record(store, doneDelivery, endpoint: plain, status: 200, at: t0)
        // Retrying: stays.
        let failing = try await publish("plain.failing")
        _ = try await record(store, try await claimOne(store, plain.id, at: t0), endpoint: plain, status: 500, at: t0)
        // Delivered after the cut-off (a resend's answer, say): stays. Only the row's times are
        // late; its attempt's id is made at t0 (see farCutoff).
        let recent = try await publish("plain.recent")
        var late = attemptRecord(try await claimOne(store, plain.id, at: t0), endpoint: plain, status: 200, at: t0)
        late.attempt.startedAt = farCutoff.addingTimeInterval(86400)
        try await store.record([late])
        // Cancelled while its request is under way: leased until its record comes, which must
        // find it; stays while the lease lasts (here past the cut-off).
        let cancelledUnderWay = try await publish("plain.cancelled")
        let underWayDelivery = try unwrap(
            try await store.claim(endpointID: plain.id, limit: 1, now: t0, leaseUntil: farCutoff.addingTimeInterval(86400)).deliveries.first,
            "claimed"
        )
        _ = try await store.apply(.cancel, tenantID: tenant, deliveryID: underWayDelivery.deliveryID, now: t0)
        // Subscribed to by nobody: goes.
        let unsubscribed = try await publish("nobody.cares")
        // Two events in a batch that was delivered: both go, and the batch with them.
        let carried = [try await publish("batched"), try await publish("batched")]
        let batch = try await claimOne(store, batching.id, at: t0)
        _ = try await record(store, batch, endpoint: batching, status: 200, at: t0)
        // Two in a batch under way (claimed, no answer yet), one in a batch still open: all
        // stay, and both batches.
        let underWay = [try await publish("batched"), try await publish("batched")]
        let sending = try await claimOne(store, batching.id, at: t0)
        let waiting = try await publish("batched")
        // An event its receiver listed as failed goes again in a later batch; once delivered,
        // it goes, and so do both batches, the first carrying nothing any more.
        let regathered = try await publish("single")
        let firstCarrier = try await claimOne(store, single.id, at: t0)
        _ = try await record(store, firstCarrier, endpoint: single, status: 200, at: t0, failed: [regathered])
        let secondCarrier = try await claimOne(store, single.id, at: t0.addingTimeInterval(11))
        _ = try await record(store, secondCarrier, endpoint: single, status: 200, at: t0.addingTimeInterval(11))
        // Another tenant's: retention is store-wide.
        let acmeDone = try await publish("acme.done", tenant: "acme")
        _ = try await record(store, try await claimOne(store, acme.id, at: t0), endpoint: acme, status: 200, at: t0)
        // A task run, finished: its delivery and event go; its session keeps the instance.
        try await change(store) { session in
            session.configure([TaskConfig(name: "create", after: ["start"], run: "crm")], now: t0) + session.fire("start", now: t0)
        }
        let run = try await claimOne(store, crm.id, at: t0)
        _ = try await record(store, run, endpoint: crm, status: 200, at: t0)
        // A message sent: goes, with its transmissions and its batch's delivery.
        let sent = try await store.createMessage(
            try NewMessage(text: "hi", to: ["+1", "+2"].map { .init(backend: "gw", identity: $0) }), tenantID: tenant, now: t0
        )
        let sentBatch = try await claimOne(store, gw.id, at: t0)
        var answered = attemptRecord(sentBatch, endpoint: gw, status: 200, at: t0)
        answered.message = .batch(messageID: sent.id, accepted: true, failed: [])
        try await store.record([answered])
        // A message not yet sent: stays.
        let queued = try await store.createMessage(
            try NewMessage(text: "later", to: [.init(backend: "gw", identity: "+3")]), tenantID: tenant, now: t0
        )
        // A message errored (one recipient listed as failed) while its other batch is still to
        // go: its status has ended, its deliveries have not; it stays.
        let partly = try await store.createMessage(
            try NewMessage(text: "two", to: ["+5", "+6"].map { .init(backend: "small", identity: $0) }), tenantID: tenant, now: t0
        )
        let first = try unwrap(
            try await store.claim(endpointID: "ep_small", limit: 1, now: t0, leaseUntil: t0.addingTimeInterval(60)).deliveries.first, "one batch"
        )
        var listed = attemptRecord(first, endpoint: try backend("ep_small", name: "small", batchSize: 1), status: 200, at: t0)
        guard case .message(let firstBatch) = first.content else { throw ConformanceFailure(message: "a message batch") }
        listed.message = .batch(messageID: partly.id, accepted: true, failed: Set(firstBatch.items.map(\.identity)))
        try await store.record([listed])
        try expect(try await store.message(tenantID: tenant, id: partly.id)?.message.status == .errored, "errored")
        // An inbound message no one subscribes to, received at once: goes, with its event.
        let inbound = try await store.receiveMessage(backend: "gw", identity: "+4", text: "yo", externalID: nil, tenantID: tenant, now: t0)
        try expect(inbound.status == .received, "received: \(inbound.status)")
        // One with two subscribers, one of which has taken it (received) and one not yet: it
        // stays, with its event, until both deliveries have ended.
        let inbox = try endpoint("ep_inbox", types: [Message.receivedEventType])
        try await store.insertEndpoint(inbox)
        try await store.insertEndpoint(try endpoint("ep_inbox_later", types: [Message.receivedEventType]))
        let taken = try await store.receiveMessage(backend: "gw", identity: "+7", text: "hey", externalID: nil, tenantID: tenant, now: t0)
        var reply = attemptRecord(try await claimOne(store, inbox.id, at: t0), endpoint: inbox, status: 200, at: t0)
        reply.message = .received(messageID: taken.id, replies: [])
        try await store.record([reply])
        try expect(try await store.message(tenantID: tenant, id: taken.id)?.message.status == .received, "received by one")

        // Nothing was made before a cut-off before all of it.
        let early = try await expireAll(store, before: t0.addingTimeInterval(-86400))
        try expect(early == RetentionStep(next: nil), "nothing goes before its time: \(early)")

        let pass = try await expireAll(store, before: farCutoff)
        try expect(
            pass.events == 8, "8 events: done, unsubscribed, the two carried, the regathered one, acme's, the task's, the inbound one's: \(pass)"
        )
        try expect(pass.messages == 2, "the sent message and the inbound one: \(pass)")
        try expect(pass.deliveries == 10, "done's, the batch and its two, the regathered one and its two batches, acme's, the task's, the message's: \(pass)")
        for id in [done, unsubscribed, regathered] + carried {
            try expect(try await store.event(tenantID: tenant, id: id) == nil, "\(id) gone")
        }
        try expect(try await store.event(tenantID: "acme", id: acmeDone) == nil, "acme's gone")
        try expect(try await store.delivery(tenantID: tenant, id: doneDelivery.deliveryID) == nil, "its delivery gone")
        try expect(try await store.attempts(tenantID: tenant, deliveryID: doneDelivery.deliveryID).isEmpty, "with its attempts")
        for carrier in [batch, firstCarrier, secondCarrier] {
            try expect(try await store.delivery(tenantID: tenant, id: carrier.deliveryID) == nil, "the delivered batch gone")
            try expect(try await store.attempts(tenantID: tenant, deliveryID: carrier.deliveryID).isEmpty, "with its attempts")
        }
        try expect(try await store.delivery(tenantID: tenant, id: run.deliveryID) == nil, "the task's run gone")
        try expect(
            try await store.session(tenantID: tenant, uid: applicant)?.instance("create#1")?.status == .finished, "its session untouched"
        )
        try expect(try await store.message(tenantID: tenant, id: sent.id) == nil, "the sent message gone")
        try expect(try await store.delivery(tenantID: tenant, id: sentBatch.deliveryID) == nil, "with its delivery")
        try expect(try await store.message(tenantID: tenant, id: inbound.id) == nil, "the inbound message gone")

        for id in [failing, recent, waiting, cancelledUnderWay] + underWay {
            try expect(try await store.event(tenantID: tenant, id: id) != nil, "\(id) kept")
        }
        let kept = try await store.deliveries(tenantID: tenant, filter: DeliveryFilter(), page: PageRequest(limit: 100)).items
        try expect(kept.contains { $0.eventID == failing && $0.state == .retrying }, "the retrying delivery kept: \(kept)")
        let retrying = try unwrap(kept.first { $0.eventID == failing }, "the retrying delivery")
        try expect(try await store.attempts(tenantID: tenant, deliveryID: retrying.id).count == 1, "with its attempt")
        try expect(
            kept.contains { $0.id == underWayDelivery.deliveryID && $0.state == .cancelled }, "the one cancelled under way kept: \(kept)"
        )
        // Its request's record comes, and finds it.
        _ = try await record(store, underWayDelivery, endpoint: plain, status: 200, at: t0)
        try expect(try await store.attempts(tenantID: tenant, deliveryID: underWayDelivery.deliveryID).count == 1, "its attempt recorded")
        try expect(kept.contains { $0.id == sending.deliveryID }, "the batch under way kept")
        try expect(kept.filter { $0.batchID == sending.deliveryID && $0.state == .batched }.count == 2, "with its two events: \(kept)")
        try expect(kept.contains { $0.eventID == waiting && $0.state == .batched }, "the waiting one kept, in its batch: \(kept)")
        try expect(try await store.message(tenantID: tenant, id: queued.id)?.transmissions.count == 1, "the queued message kept whole")
        try expect(try await store.message(tenantID: tenant, id: partly.id)?.transmissions.count == 2, "the errored one still sending kept")
        try expect(try await store.message(tenantID: tenant, id: taken.id) != nil, "the inbound one a subscriber has yet to take kept")
        let takenEvents = kept.filter { $0.endpointID == inbox.id || $0.endpointID == "ep_inbox_later" }
        try expect(takenEvents.count == 2, "with its event's two deliveries: \(takenEvents)")

        // A record that comes for a delivery already deleted leaves nothing behind.
        _ = try await record(store, doneDelivery, endpoint: plain, status: 200, at: t0.addingTimeInterval(1))
        try expect(try await store.attempts(tenantID: tenant, deliveryID: doneDelivery.deliveryID).isEmpty, "no attempt without its delivery")

        // The key went with its event: the same key makes a new one.
        let again = try await store.publish([try event("plain.done", idempotencyKey: "k1")], tenantID: tenant, now: t0)
        try expect(!again[0].duplicate && again[0].id != done, "a new event under the old key: \(again)")
        // A second pass takes only the one cancelled under way, whose record has come since.
        let second = try await expireAll(store, before: farCutoff, limit: 100)
        try expect(second.events == 1 && second.messages == 0 && second.deliveries == 1, "the one whose lease ended: \(second)")
        try expect(try await store.event(tenantID: tenant, id: cancelledUnderWay) == nil, "gone once its record came")
    }

    /// Nodes sweeping at once share the work: each event is deleted once, and none is left.
    static func retentionSweepsAtOnce(_ store: any Store) async throws {
        var plain = try endpoint("ep_plain")
        plain.maxInFlight = 30
        try await store.insertEndpoint(plain)
        let published = try await store.publish((0..<30).map { _ in try event() }, tenantID: Tenant.defaultID, now: t0)
        let claim = try await store.claim(endpointID: plain.id, limit: 30, now: t0, leaseUntil: t0.addingTimeInterval(60))
        try await store.record(claim.deliveries.map { attemptRecord($0, endpoint: plain, status: 200, at: t0) })
        async let first = expireAll(store, before: farCutoff, limit: 3)
        async let second = expireAll(store, before: farCutoff, limit: 3)
        let (one, two) = try await (first, second)
        try expect(one.events + two.events == 30 && one.deliveries + two.deliveries == 30, "each once: \(one), \(two)")
        for event in published {
            try expect(try await store.event(tenantID: Tenant.defaultID, id: event.id) == nil, "\(event.id) gone")
        }
    }
}
