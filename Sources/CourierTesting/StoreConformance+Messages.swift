import Courier
import Foundation

/// Messages, as every store must keep them: stored whole in one transaction, carried in
/// batches per backend, never sent twice, rolled up from their transmissions.
extension StoreConformance {
    static func backend(_ id: String = "ep_gw", name: String = "gw", tenant: String = Tenant.defaultID, batchSize: Int? = nil) throws -> Endpoint {
        var endpoint = try endpoint(id, tenant: tenant, types: [], name: name, retry: .delays([10, 20]))
        if let batchSize { endpoint.batch = BatchPolicy(maxSize: batchSize) }
        return endpoint
    }

    static func messagesStoredInBatches(_ store: any Store) async throws {
        try await store.insertEndpoint(try backend())
        try await store.insertEndpoint(try backend("ep_small", name: "small", batchSize: 2))
        let numbers = (0..<450).map { "+\($0)" }
        let message = try await store.createMessage(
            try NewMessage(text: "hi", to: numbers.map { .init(backend: "gw", identity: $0) } + [
                .init(backend: "small", identity: "a"), .init(backend: "small", identity: "b"), .init(backend: "small", identity: "c"),
            ]),
            tenantID: Tenant.defaultID, now: t0
        )
        try expect(message.status == .queued && message.direction == .outbound, "queued: \(message.status)")
        // A reply links to a message of the tenant, or is refused.
        let reply = try await store.createMessage(
            try NewMessage(text: "re", to: [.init(backend: "gw", identity: "+1")], inResponseTo: message.id), tenantID: Tenant.defaultID, now: t0
        )
        try expect(reply.inResponseTo == message.id, "linked")
        try await expectError(.invalid, "a reply to no message") {
            _ = try await store.createMessage(
                try NewMessage(text: "re", to: [.init(backend: "gw", identity: "+1")], inResponseTo: "msg_nope"), tenantID: Tenant.defaultID, now: t0
            )
        }
        let (stored, transmissions) = try unwrap(try await store.message(tenantID: Tenant.defaultID, id: message.id), "the message")
        try expect(stored.text == "hi" && transmissions.count == 453, "stored whole: \(transmissions.count)")
        try expect(transmissions.allSatisfy { $0.status == .queued && $0.deliveryID != nil }, "each queued in a batch")
        var sizes: [String: [Int]] = [:]
        for (deliveryID, group) in Dictionary(grouping: transmissions, by: { $0.deliveryID ?? "" }) {
            sizes[group[0].backend, default: []].append(group.count)
            let delivery = try unwrap(try await store.delivery(tenantID: Tenant.defaultID, id: deliveryID), "its delivery")
            try expect(delivery.messageID == message.id && delivery.eventID == nil, "a delivery of the message")
        }
        try expect(sizes["gw"]?.sorted() == [50, 200, 200], "200 by default: \(sizes)")
        try expect(sizes["small"]?.sorted() == [1, 2], "the backend's batch.maxSize: \(sizes)")
        try expect(try await store.message(tenantID: "other", id: message.id) == nil, "scoped to its tenant")
        let counts = try await store.transmissionCounts(tenantID: Tenant.defaultID, messageIDs: [message.id, "msg_none"])
        try expect(counts == [message.id: [.queued: 453]], "counts per status: \(counts)")
        try expect(try await store.transmissionCounts(tenantID: "other", messageIDs: [message.id]).isEmpty, "counts scoped to the tenant")

        try await expectError(.invalid, "an unknown backend") {
            _ = try await store.createMessage(
                try NewMessage(text: "x", to: [.init(backend: "gw", identity: "+1"), .init(backend: "nope", identity: "+2")]),
                tenantID: Tenant.defaultID, now: t0
            )
        }
        let all = try await store.messages(tenantID: Tenant.defaultID, filter: MessageFilter(), page: PageRequest())
        try expect(all.items.map(\.id) == [reply.id, message.id], "nothing stored for it")
    }

    static func transmissionPages(_ store: any Store) async throws {
        try await store.insertEndpoint(try backend())
        let message = try await store.createMessage(
            try NewMessage(text: "hi", to: (0..<45).map { .init(backend: "gw", identity: "+\($0)") }), tenantID: Tenant.defaultID, now: t0
        )
        let (_, all) = try unwrap(try await store.message(tenantID: Tenant.defaultID, id: message.id), "the message")
        var paged: [Transmission] = []
        var cursor: String?
        var pages = 0
        repeat {
            let (stored, page) = try unwrap(
                try await store.message(tenantID: Tenant.defaultID, id: message.id, transmissions: PageRequest(limit: 20, cursor: cursor)), "a page"
            )
            try expect(stored.id == message.id && page.items.count <= 20, "a page of at most 20: \(page.items.count)")
            paged += page.items
            cursor = page.nextCursor
            pages += 1
        } while cursor != nil && pages < 10
        try expect(pages == 3, "20, 20 and 5: \(pages) pages")
        try expect(paged == all && all.map(\.identity) == (0..<45).map { "+\($0)" }, "every one once, in the recipients' order")
        let exact = try unwrap(
            try await store.message(tenantID: Tenant.defaultID, id: message.id, transmissions: PageRequest(limit: 45)), "one page"
        )
        try expect(exact.transmissions.items.count == 45 && exact.transmissions.nextCursor == nil, "no next page when none is left")
        try expect(
            try await store.message(tenantID: "other", id: message.id, transmissions: PageRequest()) == nil, "scoped to its tenant"
        )
    }

    static func messageBatchesAreNeverSentTwice(_ store: any Store) async throws {
        let gw = try backend()
        try await store.insertEndpoint(gw)
        let message = try await store.createMessage(
            try NewMessage(text: "hi", to: ["+1", "+2", "+3"].map { .init(backend: "gw", identity: $0) }), tenantID: Tenant.defaultID, now: t0
        )
        func claimBatch(at now: Date) async throws -> ClaimedDelivery {
            let claimed = try await claimOne(store, gw.id, at: now)
            guard case .message(let batch) = claimed.content else { throw ConformanceFailure(message: "claimed as a message batch") }
            try expect(batch.messageID == message.id && batch.text == "hi", "the message's text")
            return claimed
        }
        func record(_ claimed: ClaimedDelivery, status: Int, failed: Set<String>, at now: Date) async throws -> Date? {
            let accepted = (200..<300).contains(status)
            let transition = DeliveryStateMachine.afterAttempt(
                claimed.progress, verdict: .init(outcome: accepted && failed.isEmpty ? .succeeded : .failed), policy: gw.retry,
                startedAt: now, now: now, jitter: 0.5
            )
            try await store.record([AttemptRecord(
                endpointID: gw.id, lease: claimed.lease, attempt: attempt(for: claimed, outcome: transition.state == .succeeded ? .succeeded : .failed, status: status, at: now),
                transition: transition, message: .batch(messageID: message.id, accepted: accepted, failed: failed)
            )])
            return transition.nextAttemptAt
        }
        func statuses() async throws -> [String: TransmissionStatus] {
            let (_, transmissions) = try unwrap(try await store.message(tenantID: Tenant.defaultID, id: message.id), "the message")
            return Dictionary(uniqueKeysWithValues: transmissions.map { ($0.identity, $0.status) })
        }

        let first = try await claimBatch(at: t0)
        guard case .message(let whole) = first.content else { return }
        try expect(whole.items.map(\.identity) == ["+1", "+2", "+3"], "all three, in order")
        try expect(try await statuses().values.allSatisfy { $0 == .processing }, "processing once claimed")
        // Taken, but +2 and +3 failed, listed by transmission id and by identity (a gateway may
        // answer with either): only those go again.
        let secondID = try unwrap(whole.items.first { $0.identity == "+2" }?.transmissionID, "+2's transmission")
        let retry = try unwrap(try await record(first, status: 200, failed: [secondID, "+3"], at: t0), "a retry")
        var now = try await statuses()
        try expect(now == ["+1": .sent, "+2": .errored, "+3": .errored], "\(now)")
        var (stored, _) = try unwrap(try await store.message(tenantID: Tenant.defaultID, id: message.id), "the message")
        try expect(stored.status == .errored, "errored while one is: \(stored.status)")
        let second = try await claimBatch(at: retry)
        guard case .message(let rest) = second.content else { return }
        try expect(rest.items.map(\.identity) == ["+2", "+3"], "only the failed ones: \(rest.items)")
        // A whole failure: what was sent stays sent.
        let again = try unwrap(try await record(second, status: 500, failed: [], at: retry), "another retry")
        now = try await statuses()
        try expect(now == ["+1": .sent, "+2": .errored, "+3": .errored], "a whole failure keeps what was sent: \(now)")
        // The backend took +1, and now reports that it failed: errored, but never sent again,
        // or its recipient would get the text twice.
        let firstID = try unwrap(whole.items.first { $0.identity == "+1" }?.transmissionID, "+1's transmission")
        let reported = try await store.applyReports(
            [DeliveryReport(transmissionID: firstID, delivered: false)], backend: "gw", tenantID: Tenant.defaultID, now: retry
        )
        try expect(reported.updated == 1, "\(reported)")
        let third = try await claimBatch(at: again)
        guard case .message(let last) = third.content else { return }
        try expect(last.items.map(\.identity) == ["+2", "+3"], "not +1, reported failed after it was sent: \(last.items)")
        _ = try await record(third, status: 202, failed: [], at: again)
        now = try await statuses()
        try expect(now == ["+1": .errored, "+2": .sent, "+3": .sent], "\(now)")
        (stored, _) = try unwrap(try await store.message(tenantID: Tenant.defaultID, id: message.id), "the message")
        try expect(stored.status == .errored && stored.deliveredAt == nil, "errored while +1 is: \(stored.status)")

        // Reports: delivered for all rolls it up; unknown ids come back.
        let (_, transmissions) = try unwrap(try await store.message(tenantID: Tenant.defaultID, id: message.id), "the message")
        let result = try await store.applyReports(
            transmissions.map { DeliveryReport(transmissionID: $0.id, delivered: true) } + [DeliveryReport(transmissionID: "trm_x", delivered: true)],
            backend: "gw", tenantID: Tenant.defaultID, now: again
        )
        try expect(result == ReportsResult(updated: 3, unknown: ["trm_x"]), "\(result)")
        (stored, _) = try unwrap(try await store.message(tenantID: Tenant.defaultID, id: message.id), "the message")
        try expect(stored.status == .delivered && stored.deliveredAt != nil, "delivered: \(stored.status)")
        // Delivered is final: a late `failed` (gateways' reports come out of order) leaves it,
        // and a transmission reported twice in one request counts once.
        let late = try await store.applyReports(
            [DeliveryReport(transmissionID: transmissions[0].id, delivered: false), DeliveryReport(transmissionID: transmissions[0].id, delivered: false)],
            backend: "gw", tenantID: Tenant.defaultID, now: again
        )
        try expect(late == ReportsResult(updated: 1, unknown: []), "known, counted once: \(late)")
        (stored, _) = try unwrap(try await store.message(tenantID: Tenant.defaultID, id: message.id), "the message")
        try expect(stored.status == .delivered, "still delivered: \(stored.status)")
        // Another tenant's backend of the same name knows nothing of these transmissions.
        try await store.createTenant(Tenant(id: "other", createdAt: again))
        try await store.insertEndpoint(try backend("ep_other_gw", tenant: "other"))
        let foreign = try await store.applyReports(
            [DeliveryReport(transmissionID: transmissions[0].id, delivered: false)], backend: "gw", tenantID: "other", now: again
        )
        try expect(foreign.unknown == [transmissions[0].id], "another tenant's reports touch nothing")
        try await expectError(.notFound, "reports from a backend no endpoint is named") {
            _ = try await store.applyReports(
                [DeliveryReport(transmissionID: transmissions[0].id, delivered: true)], backend: "nosuch", tenantID: Tenant.defaultID, now: again
            )
        }

        // Cancelling a batch not yet sent errors its transmissions.
        let later = try await store.createMessage(
            try NewMessage(text: "bye", to: [.init(backend: "gw", identity: "+9")]), tenantID: Tenant.defaultID, now: again
        )
        let (_, pending) = try unwrap(try await store.message(tenantID: Tenant.defaultID, id: later.id), "the message")
        // A report on a transmission never handed to the gateway is its mistake, and changes nothing.
        for delivered in [true, false] {
            let early = try await store.applyReports(
                [DeliveryReport(transmissionID: pending[0].id, delivered: delivered)], backend: "gw", tenantID: Tenant.defaultID, now: again
            )
            try expect(early == ReportsResult(updated: 0, unknown: [pending[0].id]), "a report before it was sent: \(early)")
        }
        try expect(try await store.message(tenantID: Tenant.defaultID, id: later.id)?.transmissions[0].status == .queued, "still queued")
        _ = try await store.apply(.cancel, tenantID: Tenant.defaultID, deliveryID: try unwrap(pending[0].deliveryID, "its batch"), now: again)
        let (cancelled, cancelledTransmissions) = try unwrap(try await store.message(tenantID: Tenant.defaultID, id: later.id), "the message")
        try expect(cancelled.status == .errored && cancelledTransmissions[0].error == "its batch was cancelled", "\(cancelled.status)")
        // Nor was it handed to the gateway once cancelled: a report on it changes nothing.
        let afterCancel = try await store.applyReports(
            [DeliveryReport(transmissionID: pending[0].id, delivered: true)], backend: "gw", tenantID: Tenant.defaultID, now: again
        )
        try expect(afterCancel == ReportsResult(updated: 0, unknown: [pending[0].id]), "a report on a batch cancelled unsent: \(afterCancel)")
    }

    /// Reports go by the backend endpoint, not by its name: renamed, it goes on reporting; a
    /// new endpoint given its old name reports nothing of what the old one was sent.
    static func reportsFollowTheBackendNotItsName(_ store: any Store) async throws {
        var gw = try backend()
        try await store.insertEndpoint(gw)
        let message = try await store.createMessage(
            try NewMessage(text: "hi", to: [.init(backend: "gw", identity: "+1")]), tenantID: Tenant.defaultID, now: t0
        )
        let claimed = try await claimOne(store, gw.id, at: t0)
        let transition = DeliveryStateMachine.afterAttempt(
            claimed.progress, verdict: .init(outcome: .succeeded), policy: gw.retry, startedAt: t0, now: t0, jitter: 0.5
        )
        try await store.record([AttemptRecord(
            endpointID: gw.id, lease: claimed.lease, attempt: attempt(for: claimed, outcome: .succeeded, status: 200, at: t0),
            transition: transition, message: .batch(messageID: message.id, accepted: true, failed: [])
        )])
        let (_, transmissions) = try unwrap(try await store.message(tenantID: Tenant.defaultID, id: message.id), "the message")
        gw.name = "gateway"
        try await store.updateEndpoint(gw)
        let renamed = try await store.applyReports(
            [DeliveryReport(transmissionID: transmissions[0].id, delivered: false)], backend: "gateway", tenantID: Tenant.defaultID, now: t0
        )
        try expect(renamed == ReportsResult(updated: 1, unknown: []), "reported under its new name: \(renamed)")
        try await store.insertEndpoint(try backend("ep_gw_new", name: "gw"))
        let impostor = try await store.applyReports(
            [DeliveryReport(transmissionID: transmissions[0].id, delivered: true)], backend: "gw", tenantID: Tenant.defaultID, now: t0
        )
        try expect(impostor == ReportsResult(updated: 0, unknown: [transmissions[0].id]), "the old name's new holder: \(impostor)")
    }

    static func inboundMessagesArePublishedAndRepliedTo(_ store: any Store) async throws {
        try await store.insertEndpoint(try backend())
        let app = try endpoint("ep_app", types: [Message.receivedEventType])
        try await store.insertEndpoint(app)
        try await expectError(.notFound, "an unknown backend") {
            _ = try await store.receiveMessage(backend: "nope", identity: "+1", text: "hi", externalID: nil, tenantID: Tenant.defaultID, now: t0)
        }
        let inbound = try await store.receiveMessage(
            backend: "gw", identity: "+1", text: "JOIN", externalID: "k-1", tenantID: Tenant.defaultID, now: t0
        )
        try expect(inbound.status == .queued && inbound.direction == .inbound, "queued until taken")
        let claimed = try await claimOne(store, app.id, at: t0)
        let event = try unwrap(claimed.events.first, "the event")
        try expect(event.type == Message.receivedEventType, "published as message.received")
        let payload = try JSONParser.parse(event.payload)
        try expect(payload.objectValue?["messageId"] == .string(inbound.id) && payload.objectValue?["text"] == .string("JOIN"), "\(payload)")
        let transition = DeliveryStateMachine.afterAttempt(
            claimed.progress, verdict: .init(outcome: .succeeded), policy: app.retry, startedAt: t0, now: t0, jitter: 0
        )
        try await store.record([AttemptRecord(
            endpointID: app.id, lease: claimed.lease, attempt: attempt(for: claimed, outcome: .succeeded, status: 200, at: t0),
            transition: transition, message: .received(messageID: inbound.id, replies: ["Welcome", "Reply STOP to stop"])
        )])
        let (received, _) = try unwrap(try await store.message(tenantID: Tenant.defaultID, id: inbound.id), "the inbound message")
        try expect(received.status == .received, "received: \(received.status)")
        let replies = try await store.messages(tenantID: Tenant.defaultID, filter: MessageFilter(direction: .outbound), page: PageRequest())
        try expect(Set(replies.items.map(\.text)) == ["Welcome", "Reply STOP to stop"], "the replies: \(replies.items.map(\.text))")
        try expect(replies.items.allSatisfy { $0.inResponseTo == inbound.id }, "linked to it")
        for reply in replies.items {
            let (_, transmissions) = try unwrap(try await store.message(tenantID: Tenant.defaultID, id: reply.id), "a reply")
            try expect(transmissions.map(\.identity) == ["+1"] && transmissions.map(\.backend) == ["gw"], "to the sender, through its backend")
        }
        let viaBackend = try await store.messages(tenantID: Tenant.defaultID, filter: MessageFilter(backend: "gw"), page: PageRequest())
        try expect(viaBackend.items.count == 3, "the backend filter finds both directions")
        let inboundOnly = try await store.messages(tenantID: Tenant.defaultID, filter: MessageFilter(direction: .inbound, status: .received), page: PageRequest())
        try expect(inboundOnly.items.map(\.id) == [inbound.id], "direction and status filter")
    }
}
