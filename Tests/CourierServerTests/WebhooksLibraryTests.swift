import Courier
import CourierPostgres
import CourierSQLite
import CourierTesting
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// Courier's webhook side as a Swift library, as the README shows it: a store, ``Webhooks`` to
/// make endpoints and publish, and the delivery engine as a service. No HTTP server anywhere;
/// the receiver is a real one on loopback.
@Suite struct WebhooksLibraryTests {
    /// Runs `body` with the engine running over a fresh store; private targets are allowed in
    /// both the front door and the engine, as a program delivering to loopback must allow them.
    static func withEngine(
        _ kind: StoreKind, clock: any WallClock = SystemClock(), _ body: (Webhooks) async throws -> Void
    ) async throws {
        try await TestServer.withStore(kind) { store in
            var logger = Logger(label: "courier.test")
            logger.logLevel = .warning
            let engine = DeliveryEngine(
                store: store,
                configuration: .init(
                    shutdownGrace: 2, resyncInterval: store is PostgresStore ? 5 : 30, allowsPrivateTargets: true, clock: clock
                ),
                logger: logger
            )
            let webhooks = Webhooks(store: store, targetGuard: TargetGuard(allowsPrivateTargets: true))
            try await TestServer.running([engine], logger: logger) { try await body(webhooks) }
        }
    }

    @Test(arguments: StoreKind.all) func anEndpointMadeInSwiftGetsSignedEventsPublishedInSwift(_ kind: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }
        try await Self.withEngine(kind) { webhooks in
            var changes = EndpointChanges()
            changes.url = receiver.url + "/hooks"
            changes.eventTypes = [try EventTypePattern("case.*")]
            let endpoint = try await webhooks.createEndpoint(changes)
            #expect(endpoint.secret.hasPrefix("whsec_"), "a secret was generated")

            let published = try await webhooks.publish(
                NewEvent(type: "case.updated", key: "case-7", payload: .object(["status": "open"]), idempotencyKey: "k-1")
            )
            #expect(published.deliveries == 1 && !published.duplicate)
            let again = try await webhooks.publish(NewEvent(type: "case.updated", payload: .object(["status": "other"]), idempotencyKey: "k-1"))
            #expect(again.id == published.id && again.duplicate, "an idempotent repeat is the first event")
            let other = try await webhooks.publish(NewEvent(type: "form.submitted", payload: .null))
            #expect(other.deliveries == 0, "not subscribed")

            let request = try #require(try await receiver.waitForRequests(1).first)
            #expect(request.path == "/hooks")
            let id = try #require(request.header("webhook-id"))
            let timestamp = try #require(request.header("webhook-timestamp").flatMap { Int64($0) })
            let expected = WebhookSigner(secret: try WebhookSecret(endpoint.secret)).signature(id: id, timestamp: timestamp, body: request.body)
            #expect(request.header("webhook-signature") == expected)
            let body = try JSONParser.parse(request.body).objectValue
            #expect(body?["id"]?.stringValue == published.id)
            #expect(body?["data"] == .object(["status": "open"]))

            // On record as every delivery is, and read from the store.
            let deadline = ContinuousClock.now + .seconds(30)
            var state: DeliveryState?
            while ContinuousClock.now < deadline {
                let page = try await webhooks.store.deliveries(
                    tenantID: webhooks.tenantID, filter: DeliveryFilter(eventID: published.id), page: PageRequest(limit: 10)
                )
                state = page.items.first?.state
                if state == .succeeded { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(state == .succeeded)
            try await Task.sleep(for: .milliseconds(200))
            #expect(receiver.requests().count == 1, "the duplicate and the unsubscribed event sent nothing")
        }
    }

    /// The README's example as written, but for the receiver's address (and so the allowance).
    @Test func theREADMEExampleDelivers() async throws {
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("courier-readme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let store = try await SQLiteStore.open(path: directory.appendingPathComponent("courier.db").path)
        let webhooks = Webhooks(store: store, targetGuard: TargetGuard(allowsPrivateTargets: true))
        var changes = EndpointChanges()
        changes.url = receiver.url + "/hooks"
        changes.eventTypes = [try EventTypePattern("case.*")]
        changes.retry = .exponential(.init(initial: 5, maxAttempts: 8))
        let endpoint = try await webhooks.createEndpoint(changes)
        try await webhooks.publish(NewEvent(type: "case.updated", key: "case-7", payload: .object(["status": "open"])))

        let engine = DeliveryEngine(store: store, configuration: .init(allowsPrivateTargets: true))
        let group = ServiceGroup(services: [engine], gracefulShutdownSignals: [], logger: Logger(label: "app"))
        let running = Task { try await group.run() }
        let request = try await receiver.waitForRequests(1).first
        await group.triggerGracefulShutdown()
        try await running.value
        await store.close()
        #expect(request?.header("webhook-signature")?.hasPrefix("v1,") == true)
        #expect(endpoint.retry == .exponential(.init(initial: 5, maxAttempts: 8)))
    }

    @Test(arguments: StoreKind.all) func updatesAndRotationsGoThroughTheSameChecks(_ kind: StoreKind) async throws {
        try await TestServer.withStore(kind) { store in
            // The default guard: no private targets, as `courier serve` without the allowance.
            let webhooks = Webhooks(store: store)
            var changes = EndpointChanges()
            changes.url = "http://127.0.0.1:9/hooks"
            changes.eventTypes = []
            let refused = await #expect(throws: CourierError.self) { try await webhooks.createEndpoint(changes) }
            #expect(refused?.code == "private_target")

            changes.url = "https://crm.example.com/hooks"
            changes.retry = .delays([-1])
            let invalid = await #expect(throws: CourierError.self) { try await webhooks.createEndpoint(changes) }
            #expect(invalid?.field == "retry.delays[0]")
            #expect(try await store.endpoints(tenantID: webhooks.tenantID, page: PageRequest(limit: 10)).items.isEmpty, "nothing stored")

            changes.retry = nil
            let endpoint = try await webhooks.createEndpoint(changes)
            let stored = try await store.endpoint(tenantID: webhooks.tenantID, id: endpoint.id)
            var change = EndpointChanges()
            change.url = "http://169.254.169.254/latest/meta-data"
            let metadata = await #expect(throws: CourierError.self) { try await webhooks.updateEndpoint(endpoint.id, with: change) }
            #expect(metadata?.code == "private_target")
            change = EndpointChanges()
            change.batch = .some(BatchPolicy(maxSize: 0))
            let batch = await #expect(throws: CourierError.self) { try await webhooks.updateEndpoint(endpoint.id, with: change) }
            #expect(batch?.field == "batch.maxSize")
            #expect(try await store.endpoint(tenantID: webhooks.tenantID, id: endpoint.id) == stored, "unchanged")

            change.batch = .some(BatchPolicy(maxSize: 50))
            let batched = try await webhooks.updateEndpoint(endpoint.id, with: change)
            #expect(batched.batch?.maxSize == 50 && batched.url == endpoint.url)

            let badSecret = await #expect(throws: CourierError.self) { try await webhooks.rotateSecret(of: endpoint.id, to: "secret") }
            #expect(badSecret?.field == "secret")
            let longGrace = await #expect(throws: CourierError.self) {
                try await webhooks.rotateSecret(of: endpoint.id, grace: Endpoint.maximumRotationGrace + 1)
            }
            #expect(longGrace?.field == "graceSeconds")
            let rotated = try await webhooks.rotateSecret(of: endpoint.id, grace: 60)
            #expect(rotated.previousSecret == endpoint.secret && rotated.secret != endpoint.secret)
            #expect(try await store.endpoint(tenantID: webhooks.tenantID, id: endpoint.id)?.secret == rotated.secret)

            let missing = await #expect(throws: CourierError.self) { try await webhooks.updateEndpoint("ep_missing", with: EndpointChanges()) }
            #expect(missing?.kind == .notFound)
            let otherTenant = Webhooks(store: store, tenantID: "elsewhere")
            let hidden = await #expect(throws: CourierError.self) { try await otherTenant.rotateSecret(of: endpoint.id) }
            #expect(hidden?.kind == .notFound, "another tenant's endpoint is not found")
        }
    }

    @Test(arguments: StoreKind.all) func aPublishOverTheLimitStoresNothing(_ kind: StoreKind) async throws {
        try await TestServer.withStore(kind) { store in
            let webhooks = Webhooks(store: store, targetGuard: TargetGuard(allowsPrivateTargets: true))
            var changes = EndpointChanges()
            changes.url = "http://127.0.0.1:9/hook"
            changes.eventTypes = [try EventTypePattern("*")]
            _ = try await webhooks.createEndpoint(changes)
            let events = try (0...Webhooks.publishLimit).map { try NewEvent(type: "case.updated", payload: .integer($0)) }
            let error = await #expect(throws: CourierError.self) { try await webhooks.publish(events) }
            #expect(error?.kind == .invalid)
            #expect(try await store.countDeliveries(tenantID: webhooks.tenantID, filter: DeliveryFilter()) == 0, "nothing stored")
            let published = try await webhooks.publish(Array(events.dropLast()))
            #expect(published.count == Webhooks.publishLimit)
            #expect(try await store.countDeliveries(tenantID: webhooks.tenantID, filter: DeliveryFilter()) == Webhooks.publishLimit)
            #expect(try await webhooks.publish([]).isEmpty)
        }
    }
}
