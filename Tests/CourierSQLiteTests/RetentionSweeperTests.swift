import Courier
@testable import CourierSQLite
import CourierTesting
import Foundation
import Testing

/// The sweeper's own paths on a real SQLite file: a pass in chunks to its end, one cut short
/// by a shutdown, and a store that refuses it.
@Suite struct RetentionSweeperTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    /// Years after every time the tests make ids at (see `StoreConformance.farCutoff`).
    static let years = Date(timeIntervalSince1970: 7_258_118_400)

    /// `count` events delivered at t0 to one endpoint.
    static func delivered(_ count: Int, in store: SQLiteStore) async throws {
        var endpoint = try StoreConformance.endpoint("ep_a")
        endpoint.maxInFlight = 100
        try await store.insertEndpoint(endpoint)
        for _ in 0..<(count / 100) {
            _ = try await store.publish((0..<100).map { _ in try NewEvent(type: "case.updated", payload: .null) }, tenantID: Tenant.defaultID, now: t0)
            let claim = try await store.claim(endpointID: endpoint.id, limit: 100, now: t0, leaseUntil: t0.addingTimeInterval(60))
            try await store.record(claim.deliveries.map { StoreConformance.attemptRecord($0, endpoint: endpoint, status: 200, at: t0) })
        }
    }

    @Test func aPassGoesToTheEndInChunks() async throws {
        try await SQLiteStoreTests.withStore { store, _ in
            try await Self.delivered(500, in: store)
            let sweeper = RetentionSweeper(store: store, configuration: .init(period: 30 * 86400, chunk: 7))
            let totals = try await sweeper.pass(now: Self.years)
            #expect(totals.events == 500 && totals.deliveries == 500 && totals.messages == 0, "\(totals)")
            #expect(try await store.countDeliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter()) == 0)
            #expect(try await sweeper.pass(now: Self.years) == RetentionSweeper.Totals(), "nothing the second time")
        }
    }

    /// A shutdown cancels the sweeper's task: the pass stops between steps, each step whole.
    @Test func aCancelledPassStopsBetweenStepsAndTheNextFinishes() async throws {
        try await SQLiteStoreTests.withStore { store, _ in
            try await Self.delivered(2000, in: store)
            let sweeper = RetentionSweeper(store: store, configuration: .init(period: 30 * 86400, chunk: 1))
            let pass = Task { try await sweeper.pass(now: Self.years) }
            try await Task.sleep(for: .milliseconds(20))
            pass.cancel()
            #expect(await ends(pass, within: .seconds(30)), "stops once cancelled")
            // Between steps it returns what it did; in one, the step is abandoned and the pass
            // throws (the step's transaction happens whole or not at all, on its own).
            let done = (try? await pass.value)?.events
            let left = try await store.countDeliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter())
            #expect(left > 0, "stopped before its end: \(String(describing: done)) deleted, \(left) left")
            if let done { #expect(done + left == 2000, "what it says it did is done: \(done) deleted, \(left) left") }
            let rest = try await sweeper.pass(now: Self.years)
            #expect(try await store.countDeliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter()) == 0, "the next pass finishes: \(rest)")
        }
    }

    @Test func aStoreThatRefusesThePassFailsItWithoutDeletingAnything() async throws {
        try await SQLiteStoreTests.withDatabasePath { path in
            let store = try await SQLiteStore.open(path: path, durability: .normal)
            try await Self.delivered(100, in: store)
            await store.close()
            let sweeper = RetentionSweeper(store: store, configuration: .init(period: 30 * 86400))
            await #expect(throws: (any Error).self) { try await sweeper.pass(now: Self.years) }
            let reopened = try await SQLiteStore.open(path: path, durability: .normal)
            #expect(try await reopened.countDeliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter()) == 100)
            await reopened.close()
        }
    }

    /// An event sent to many endpoints: a step stops early once it has deleted five deliveries
    /// for each event it may examine, so that one step never holds the writer for long.
    @Test func aStepStopsEarlyOnceItHasDeletedEnoughDeliveries() async throws {
        try await SQLiteStoreTests.withStore { store, _ in
            var endpoints: [Endpoint] = []
            for i in 0..<8 {
                let endpoint = try StoreConformance.endpoint("ep_\(i)")
                try await store.insertEndpoint(endpoint)
                endpoints.append(endpoint)
            }
            let events = try await store.publish((0..<4).map { _ in try NewEvent(type: "case.updated", payload: .null) }, tenantID: Tenant.defaultID, now: Self.t0)
            for endpoint in endpoints {
                let claim = try await store.claim(endpointID: endpoint.id, limit: 10, now: Self.t0, leaseUntil: Self.t0.addingTimeInterval(60))
                try await store.record(claim.deliveries.map { StoreConformance.attemptRecord($0, endpoint: endpoint, status: 200, at: Self.t0) })
            }
            // Four events of eight deliveries each, and room for 4 × 5 = 20: three events (24).
            let step = try await store.expire(.start, before: Self.years, limit: 4)
            #expect(step.events == 3 && step.deliveries == 24, "\(step)")
            #expect(step.next == .events(after: events[2].id), "the next step starts after the third: \(String(describing: step.next))")
            let rest = try await store.expire(try #require(step.next), before: Self.years, limit: 4)
            #expect(rest.events == 1 && rest.deliveries == 8, "\(rest)")
        }
    }
}
