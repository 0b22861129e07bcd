@testable import Courier
import CourierSQLite
import CourierTesting
import Foundation
import Testing

/// A claim hands batches over unread and the engine reads each just before sending it (see
/// `Store.batchEvents(batchID:)`): what the engine does when nothing is left to read, or when
/// the store cannot be read. Through the engine's own attempt, a real store and a real receiver.
@Suite struct BatchReadTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// Claims one batch of two events at a receiver, then runs `body` with what it needs to attempt it.
    static func withClaimedBatch(
        _ store: any Store,
        _ body: (_ batch: ClaimedDelivery, _ target: DeliveryTarget, _ members: [String], _ receiver: RecordingReceiver) async throws -> Void
    ) async throws {
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }
        let endpoint = Endpoint(
            id: "ep_batch", tenantID: Tenant.defaultID, url: receiver.url + "/hook", eventTypes: [try EventTypePattern("*")],
            secret: WebhookSecret.generate().description, batch: BatchPolicy(maxSize: 2, maxWaitMs: nil), createdAt: t0, updatedAt: t0
        )
        try await store.insertEndpoint(endpoint)
        let events = [
            try NewEvent(type: "case.updated", payload: .object(JSONObject(["n": .integer(1)]))),
            try NewEvent(type: "case.updated", payload: .object(JSONObject(["n": .integer(2)]))),
        ]
        _ = try await store.publish(events, tenantID: Tenant.defaultID, now: t0)
        let claim = try await store.claim(endpointID: endpoint.id, limit: 1, now: t0, leaseUntil: t0.addingTimeInterval(60))
        let batch = try #require(claim.deliveries.first)
        guard case .unreadBatch = batch.content else {
            Issue.record("a claim hands a batch over unread: \(batch.content)")
            return
        }
        let members = try await store.deliveries(
            tenantID: Tenant.defaultID, filter: DeliveryFilter(batchID: batch.deliveryID), page: PageRequest(limit: 10)
        ).items.map(\.id)
        #expect(members.count == 2)
        try await body(batch, DeliveryTarget(endpoint), members, receiver)
    }

    /// Runs the engine's attempt of `batch` as its loop would.
    static func attempt(_ batch: ClaimedDelivery, to target: DeliveryTarget, store: any Store) async -> AttemptRecord {
        let engine = DeliveryEngine(store: store, configuration: .init(allowsPrivateTargets: true))
        let client = WebhookSender.makeClient(configuration: engine.configuration.sender)
        let record = await engine.attempt(batch, to: target, tools: engine.makeTools(client: client))
        await client.shutdown()
        return record
    }

    @Test(arguments: StoreKind.all) func aBatchReadWhole(_ kind: StoreKind) async throws {
        try await TestServer.withStore(kind) { store in
            try await Self.withClaimedBatch(store) { batch, target, _, receiver in
                let record = await Self.attempt(batch, to: target, store: store)
                #expect(record.attempt.outcome == .succeeded, "\(record.attempt.error ?? "")")
                let requests = receiver.requests()
                #expect(requests.count == 1)
                let sent = requests.first?.json?.arrayValue?.count
                #expect(sent == 2, "both events went: \(requests.first?.bodyText ?? "")")
            }
        }
    }

    @Test(arguments: StoreKind.all) func aBatchWhoseEventsWereAllCancelledSendsNothing(_ kind: StoreKind) async throws {
        try await TestServer.withStore(kind) { store in
            try await Self.withClaimedBatch(store) { batch, target, members, receiver in
                // A person cancels every event between the claim and the send.
                for member in members {
                    _ = try await store.apply(.cancel, tenantID: Tenant.defaultID, deliveryID: member, now: Self.t0)
                }
                let record = await Self.attempt(batch, to: target, store: store)
                #expect(record.attempt.outcome == .empty)
                #expect(record.attempt.error == "nothing to send: every event the batch carried was cancelled")
                #expect(receiver.requests().isEmpty, "no request went")
                try await store.record([record])
                let stored = try #require(try await store.delivery(tenantID: Tenant.defaultID, id: batch.deliveryID))
                #expect(stored.state == .empty, "the batch ends with nothing sent: \(stored.state)")
            }
        }
    }

    /// A store that cannot be read (here a SQLite store already closed) fails the attempt
    /// without a request, so that the batch is retried, and the attempt says why.
    @Test func aBatchThatCannotBeReadIsNotSentAndFails() async throws {
        try await TestServer.withStore(.sqlite) { store in
            let sqlite = try #require(store as? SQLiteStore)
            try await Self.withClaimedBatch(store) { batch, target, _, receiver in
                await sqlite.close()
                let record = await Self.attempt(batch, to: target, store: store)
                #expect(record.attempt.outcome == .failed)
                #expect(record.attempt.error?.hasPrefix("not sent: cannot read the batch's events: ") == true, "\(record.attempt.error ?? "")")
                #expect(record.transition.state == .retrying, "the batch goes again later: \(record.transition.state)")
                #expect(receiver.requests().isEmpty, "no request went")
            }
        }
    }
}
