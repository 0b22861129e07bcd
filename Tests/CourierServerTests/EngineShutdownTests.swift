import Courier
import CourierTesting
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Testing

/// The engine's shutdown, through a real store, a real engine and a receiver that holds
/// requests: requests cut off at the end of the grace report at once, and the engine stops
/// as soon as they have, not at the end of the wait it allows them.
@Suite struct EngineShutdownTests {
    @Test(arguments: StoreKind.all) func theEngineStopsOnceCutOffRequestsHaveReported(_ kind: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start { _, _ in RecordingReceiver.Reply(delay: .seconds(30)) }
        defer { Task { await receiver.stop() } }
        try await TestServer.withStore(kind) { store in
            let webhooks = Webhooks(store: store, targetGuard: TargetGuard(allowsPrivateTargets: true))
            var changes = EndpointChanges()
            changes.url = receiver.url + "/hold"
            changes.eventTypes = [try EventTypePattern("*")]
            _ = try await webhooks.createEndpoint(changes)
            let published = try await webhooks.publish(NewEvent(type: "slow.one", payload: .null))

            // A wait for cut-off requests far longer than the test may take: the engine must
            // not sit it out once the one request under way has reported.
            let engine = DeliveryEngine(
                store: store,
                configuration: .init(
                    sender: .init(requestTimeout: .seconds(40)), shutdownGrace: 0.2, allowsPrivateTargets: true, cutOffWait: 3600
                ),
                logger: Logger(label: "courier.test")
            )
            let group = ServiceGroup(services: [engine], logger: Logger(label: "courier.test"))
            let running = Task { try await group.run() }
            _ = try await receiver.waitForRequests(1)
            await group.triggerGracefulShutdown()
            #expect(await ends(running, within: .seconds(120)), "the engine waited out its cut-off wait")

            let deliveries = try await store.deliveries(
                tenantID: webhooks.tenantID, filter: DeliveryFilter(eventID: published.id), page: PageRequest(limit: 1)
            )
            let delivery = try #require(deliveries.items.first)
            let attempts = try await store.attempts(tenantID: webhooks.tenantID, deliveryID: delivery.id)
            #expect(attempts.map(\.outcome) == [.interrupted], "the cut-off request is on record: \(attempts.map(\.outcome))")
            // Due again once the request would have timed out (40 s after it began), not at once:
            // the receiver may still be working on it.
            let next = try #require(try await store.delivery(tenantID: webhooks.tenantID, id: delivery.id)?.nextAttemptAt)
            let began = try #require(attempts.first?.startedAt)
            #expect(abs(next.timeIntervalSince(began) - 40) < 5, "due \(next.timeIntervalSince(began)) s after the request began")
        }
    }
}
