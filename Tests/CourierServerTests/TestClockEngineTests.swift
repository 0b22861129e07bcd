import Courier
import CourierPostgres
import CourierTesting
import Foundation
import Logging
import Synchronization
import Testing

/// The engine and the retention sweeper on a ``TestClock``: schedules of minutes, hours and
/// days kept exactly, without waiting them out, against a real receiver and real stores.
@Suite struct TestClockEngineTests {
    /// A retry due in five minutes, then one in an hour: each comes when the clock says, and
    /// not a moment before, and the attempts on record are that far apart.
    @Test(arguments: StoreKind.all) func retriesComeWhenTheClockSaysAndNotBefore(_ kind: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start { _, count in
            count < 2 ? RecordingReceiver.Reply(status: 503) : .ok
        }
        defer { Task { await receiver.stop() } }
        let clock = TestClock()
        try await WebhooksLibraryTests.withEngine(kind, clock: clock) { webhooks in
            let store = webhooks.store
            var changes = EndpointChanges()
            changes.url = receiver.url + "/hook"
            changes.eventTypes = [try EventTypePattern("*")]
            changes.retry = .delays([300, 3600])
            _ = try await webhooks.createEndpoint(changes, now: clock.now)
            let event = try await webhooks.publish(NewEvent(type: "case.updated", payload: .null), now: clock.now)
            _ = try await receiver.waitForRequests(1)
            // Five minutes away: nothing more while the clock stands near where it was.
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.requests().count == 1, "no retry before its time")
            clock.advance(by: 300)
            _ = try await receiver.waitForRequests(2)
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.requests().count == 2, "the next is an hour away")
            clock.advance(by: 3600)
            _ = try await receiver.waitForRequests(3)

            let delivery = try #require(
                try await store.deliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(eventID: event.id), page: PageRequest()).items.first
            )
            var attempts: [Attempt] = []
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                if let read = try await store.deliveryWithAttempts(tenantID: Tenant.defaultID, id: delivery.id),
                   read.delivery.state == .succeeded {
                    attempts = read.attempts
                    break
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(attempts.map(\.outcome) == [.failed, .failed, .succeeded], "\(attempts)")
            if attempts.count == 3 {
                #expect(attempts[1].startedAt.timeIntervalSince(attempts[0].startedAt) >= 300, "five minutes on the clock")
                #expect(attempts[2].startedAt.timeIntervalSince(attempts[1].startedAt) >= 3600, "then an hour")
            }
            let ids = Set(receiver.requests().compactMap { $0.header("webhook-id") })
            #expect(ids == [event.id], "one webhook-id across the retries")
        }
    }

    /// A limit of one request a minute: three events published at once go a minute apart on
    /// the clock, each only once the clock has moved, however many slots are free.
    @Test(arguments: StoreKind.all) func aRateLimitSpacesRequestsOnTheClock(_ kind: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }
        let clock = TestClock()
        try await WebhooksLibraryTests.withEngine(kind, clock: clock) { webhooks in
            var changes = EndpointChanges()
            changes.url = receiver.url + "/hook"
            changes.eventTypes = [try EventTypePattern("*")]
            changes.rateLimit = RateLimit(requests: 1, seconds: 60)
            _ = try await webhooks.createEndpoint(changes, now: clock.now)
            var published: [String] = []
            for n in 0..<3 {
                published.append(try await webhooks.publish(NewEvent(type: "case.updated", payload: .integer(n)), now: clock.now).id)
            }
            _ = try await receiver.waitForRequests(1)
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.requests().count == 1, "the next is a minute away on the clock")
            clock.advance(by: 30)
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.requests().count == 1, "and not half a minute on")
            clock.advance(by: 30)
            _ = try await receiver.waitForRequests(2)
            clock.advance(by: 60)
            let requests = try await receiver.waitForRequests(3)
            #expect(Set(requests.compactMap { $0.header("webhook-id") }) == Set(published), "each event once")

            var started: [Date] = []
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                let deliveries = try await webhooks.store.deliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(), page: PageRequest())
                if deliveries.items.count == 3, deliveries.items.allSatisfy({ $0.state == .succeeded }) {
                    started = deliveries.items.compactMap(\.lastAttemptAt).sorted()
                    break
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(started.count == 3, "all three recorded")
            if started.count == 3 {
                #expect(started[1].timeIntervalSince(started[0]) >= 60, "a minute apart on the clock: \(started)")
                #expect(started[2].timeIntervalSince(started[1]) >= 60, "a minute apart on the clock: \(started)")
            }
        }
    }

    /// An endpoint failing on and on cools down, and is disabled once five days have passed
    /// without a success: days on the clock, a second or two of the test's.
    @Test func fiveDaysOfFailureOnTheClockDisableTheEndpoint() async throws {
        let receiver = try await RecordingReceiver.start { _, _ in RecordingReceiver.Reply(status: 503) }
        defer { Task { await receiver.stop() } }
        let clock = TestClock()
        try await WebhooksLibraryTests.withEngine(.sqlite, clock: clock) { webhooks in
            let store = webhooks.store
            var changes = EndpointChanges()
            changes.url = receiver.url + "/hook"
            changes.eventTypes = [try EventTypePattern("*")]
            changes.retry = .delays(Array(repeating: 7200, count: 100))
            let endpoint = try await webhooks.createEndpoint(changes, now: clock.now)
            let event = try await webhooks.publish(NewEvent(type: "case.updated", payload: .null), now: clock.now)
            /// Waits until the attempt that `count` requests make is on record; returns the endpoint then.
            func recorded(_ count: Int) async throws -> Endpoint? {
                let deadline = ContinuousClock.now + .seconds(30)
                while ContinuousClock.now < deadline {
                    let delivery = try await store.deliveries(
                        tenantID: Tenant.defaultID, filter: DeliveryFilter(eventID: event.id), page: PageRequest()
                    ).items.first
                    if (delivery?.attemptCount ?? 0) >= count { return try await store.endpoint(tenantID: Tenant.defaultID, id: endpoint.id) }
                    try await Task.sleep(for: .milliseconds(10))
                }
                return nil
            }
            var current = try await recorded(try await receiver.waitForRequests(1).count)
            // Two hours at a time: each retry is due, and any cool-down (an hour at most) is over.
            var steps = 0
            while current?.status == .active, steps < 80 {
                let count = receiver.requests().count
                clock.advance(by: 7200)
                current = try await recorded(try await receiver.waitForRequests(count + 1).count)
                steps += 1
            }
            let final = try #require(current)
            #expect(final.status == .disabled, "disabled after five days of failure: \(final.status) \(String(describing: final.statusReason))")
            let failingFor = (final.health.failingSince.map { clock.now.timeIntervalSince($0) } ?? 0) / 86400
            #expect(failingFor >= 5 && failingFor < 5.2, "after five days, not before: \(failingFor) days")
            // Disabled: the clock moves on, and nothing more is sent.
            let sent = receiver.requests().count
            clock.advance(by: 86400)
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.requests().count == sent, "nothing to a disabled endpoint")
        }
    }

    /// The retention sweeper passes as its clock says: a delivered event goes once its period
    /// is over on the clock, one held by a paused endpoint stays.
    @Test(arguments: StoreKind.all) func theSweeperDeletesWhatThePeriodLetsGoAsTheClockPasses(_ kind: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }
        let clock = TestClock()
        try await TestServer.withStore(kind) { store in
            var logger = Logger(label: "courier.test")
            logger.logLevel = .warning
            let engine = DeliveryEngine(store: store, configuration: .init(shutdownGrace: 2, allowsPrivateTargets: true, clock: clock), logger: logger)
            let sweeper = RetentionSweeper(store: store, configuration: .init(period: 30 * 86400, clock: clock), logger: logger)
            #expect(RetentionSweeper.Configuration(period: 30 * 86400).interval == 3600, "an hour between passes")
            let webhooks = Webhooks(store: store, targetGuard: TargetGuard(allowsPrivateTargets: true))
            try await TestServer.running([engine, sweeper], logger: logger) {
                var changes = EndpointChanges()
                changes.url = receiver.url + "/hook"
                changes.eventTypes = [try EventTypePattern("sent.*")]
                _ = try await webhooks.createEndpoint(changes, now: clock.now)
                changes.eventTypes = [try EventTypePattern("held.*")]
                let held = try await webhooks.createEndpoint(changes, now: clock.now)
                _ = try await store.setEndpointStatus(
                    tenantID: Tenant.defaultID, id: held.id, status: .paused, reason: nil, now: clock.now
                )
                let sent = try await webhooks.publish(NewEvent(type: "sent.one", payload: .null), now: clock.now)
                let waiting = try await webhooks.publish(NewEvent(type: "held.one", payload: .null), now: clock.now)
                _ = try await receiver.waitForRequests(1)
                let delivery = try #require(
                    try await store.deliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(eventID: sent.id), page: PageRequest()).items.first
                )
                var deadline = ContinuousClock.now + .seconds(30)
                while ContinuousClock.now < deadline, try await store.delivery(tenantID: Tenant.defaultID, id: delivery.id)?.state != .succeeded {
                    try await Task.sleep(for: .milliseconds(10))
                }
                // Years on, so that the cut-off passes every id made in this process, whatever
                // time other tests made theirs at (ids count up from the latest).
                clock.advance(by: 3650 * 86400)
                deadline = ContinuousClock.now + .seconds(30)
                while ContinuousClock.now < deadline, try await store.event(tenantID: Tenant.defaultID, id: sent.id) != nil {
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(try await store.event(tenantID: Tenant.defaultID, id: sent.id) == nil, "the delivered event went")
                #expect(try await store.delivery(tenantID: Tenant.defaultID, id: delivery.id) == nil, "with its delivery")
                #expect(try await store.event(tenantID: Tenant.defaultID, id: waiting.id) != nil, "the held one stayed")
            }
        }
    }
}
