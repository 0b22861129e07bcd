import Courier
import CourierTesting
import Foundation
import Logging
import Synchronization
import Testing

/// Leases the engine gives back go to the store off its loop, and a claim made meanwhile finds
/// them still leased and is told they are due when the lease ends. Once they are back, the
/// engine claims again at once (its `released` event), rather than at the lease's end.
///
/// Through a real store, a real engine and real receivers, with a ``GatedQueue`` in front of
/// the store that holds two calls back, so that the race the event exists for happens every
/// time: the endpoint is edited while its first claim is under way (the claim's copy of it is
/// then stale and its delivery goes back), and the release lands only after the next claim
/// came back empty.
@Suite struct EngineReleaseTests {
    /// Forwards every call to `store`, holding back the first claim's answer until the engine
    /// has taken in the signal of an endpoint's edit, and each release until a later claim
    /// came back with nothing.
    final class GatedQueue: DeliveryQueue {
        let store: any Store
        private let state = Mutex(State())

        struct State {
            var claims = 0
            var emptyClaimsAfterTheFirst = 0
            var firstClaimHeld: CheckedContinuation<Void, Never>?
            var changeTakenIn = false
            var releasesHeld: [CheckedContinuation<Void, Never>] = []
            var releases = 0
        }

        /// Yields once the first claim's answer is held back.
        let firstClaimIsHeld: AsyncStream<Void>
        private let heldContinuation: AsyncStream<Void>.Continuation

        init(store: any Store) {
            self.store = store
            (firstClaimIsHeld, heldContinuation) = AsyncStream.makeStream()
        }

        var releases: Int { state.withLock { $0.releases } }

        func dueEndpoints() async throws -> [DueWork] { try await store.dueEndpoints() }

        func claim(endpointID: String, limit: Int, now: Date, leaseUntil: Date, answered: [Lease]) async throws -> Claim {
            let claim = try await store.claim(endpointID: endpointID, limit: limit, now: now, leaseUntil: leaseUntil, answered: answered)
            let first = state.withLock { state -> Bool in
                state.claims += 1
                return state.claims == 1
            }
            if first {
                await withCheckedContinuation { continuation in
                    let openNow = state.withLock { state -> Bool in
                        if state.changeTakenIn { return true }
                        state.firstClaimHeld = continuation
                        return false
                    }
                    if openNow { continuation.resume() }
                    heldContinuation.yield()
                }
            } else if claim.deliveries.isEmpty {
                let held = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                    state.emptyClaimsAfterTheFirst += 1
                    defer { state.releasesHeld = [] }
                    return state.releasesHeld
                }
                for release in held { release.resume() }
            }
            return claim
        }

        func batchEvents(batchID: String) async throws -> [Event] { try await store.batchEvents(batchID: batchID) }

        func record(_ records: [AttemptRecord]) async throws { try await store.record(records) }

        func release(_ leases: [Lease]) async throws {
            await withCheckedContinuation { continuation in
                let openNow = state.withLock { state -> Bool in
                    if state.emptyClaimsAfterTheFirst > 0 { return true }
                    state.releasesHeld.append(continuation)
                    return false
                }
                if openNow { continuation.resume() }
            }
            try await store.release(leases)
            state.withLock { $0.releases += 1 }
        }

        /// The store's signals. The engine's relay asks for the next signal only after it has
        /// passed the last one on to the engine's loop, so once it asks for the one after an
        /// endpoint's edit, the loop will see the edit before the held claim's answer.
        func signals() -> AsyncStream<StoreSignal> {
            let iterator = SignalIterator(store.signals().makeAsyncIterator())
            return AsyncStream { [self] in
                if iterator.lastWasChange { openFirstClaim() }
                let signal = await iterator.next()
                if case .endpointChanged? = signal { iterator.lastWasChange = true }
                return signal
            }
        }

        private func openFirstClaim() {
            let held = state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.changeTakenIn = true
                defer { state.firstClaimHeld = nil }
                return state.firstClaimHeld
            }
            held?.resume()
        }
    }

    /// The store's signal iterator, used by the one task that reads the engine's stream, one
    /// call at a time (`@unchecked Sendable` for that reason).
    final class SignalIterator: @unchecked Sendable {
        private var base: AsyncStream<StoreSignal>.Iterator
        var lastWasChange = false

        init(_ base: AsyncStream<StoreSignal>.Iterator) {
            self.base = base
        }

        func next() async -> StoreSignal? {
            await base.next()
        }
    }

    @Test(arguments: StoreKind.all) func leasesGivenBackAreClaimedAgainOnceTheyAreBack(_ kind: StoreKind) async throws {
        try await TestServer.withStore(kind) { store in
            let before = try await RecordingReceiver.start()
            let after = try await RecordingReceiver.start()
            defer {
                Task {
                    await before.stop()
                    await after.stop()
                }
            }
            let t0 = Date()
            var endpoint = Endpoint(
                id: "ep_release", tenantID: Tenant.defaultID, url: before.url + "/hook", eventTypes: [try EventTypePattern("*")],
                secret: WebhookSecret.generate().description, createdAt: t0, updatedAt: t0
            )
            try await store.insertEndpoint(endpoint)
            let queue = GatedQueue(store: store)
            var logger = Logger(label: "courier.test")
            logger.logLevel = .warning
            // Neither the lease's end nor a resync can stand in for the `released` event here.
            let engine = DeliveryEngine(
                store: queue,
                configuration: .init(lease: 600, shutdownGrace: 2, resyncInterval: 600, allowsPrivateTargets: true),
                logger: logger
            )
            try await TestServer.running([engine], logger: logger) {
                let event = try await store.publish(
                    [try NewEvent(type: "case.updated", payload: .object(JSONObject(["n": .integer(1)])))], tenantID: Tenant.defaultID, now: Date()
                )[0]
                var held = queue.firstClaimIsHeld.makeAsyncIterator()
                await held.next()
                endpoint.url = after.url + "/hook"
                endpoint.updatedAt = Date()
                try await store.updateEndpoint(endpoint)

                let deadline = ContinuousClock.now + .seconds(30)
                while after.requests().isEmpty, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                let arrived = after.requests()
                #expect(arrived.count == 1, "delivered to the edited URL once its lease was back, not at the lease's end")
                #expect(arrived.first?.headers.first { $0.name.lowercased() == "webhook-id" }?.value == event.id)
                #expect(before.requests().isEmpty, "nothing went with the stale copy of the endpoint")
                #expect(queue.releases == 1)
            }
        }
    }
}
