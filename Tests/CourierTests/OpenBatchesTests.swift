import Courier
import CourierTesting
import Foundation
import Testing

/// Where a publish puts a batching endpoint's deliveries, and when each batch becomes due. The
/// stores' part (finding and writing the batches) is in the store conformance suite.
@Suite struct OpenBatchesTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func endpoint(_ policy: BatchPolicy) throws -> Endpoint {
        var endpoint = try StoreConformance.endpoint("ep_a")
        endpoint.batch = policy
        return endpoint
    }

    /// A publish's batches, given what the store found open for `ep_a`: one of `members`
    /// opened `ago` seconds before now, due `due` seconds after it opened (nil: not due).
    static func publishing(found members: Int, ago: TimeInterval, due: TimeInterval?) -> OpenBatches {
        let opened = now.addingTimeInterval(-ago)
        var batches = OpenBatches(now: now)
        batches.found(
            OpenBatches.Batch(
                id: "bat_open", endpointID: "ep_a", tenantID: Tenant.defaultID, members: members, openedAt: opened,
                dueAt: due.map { opened.addingTimeInterval($0) }
            ),
            endpointID: "ep_a"
        )
        return batches
    }

    @Test func deliveriesFillABatchToItsSizeThenOpenTheNext() throws {
        let policy = BatchPolicy(maxSize: 2, maxWaitMs: 1000)
        let endpoint = try Self.endpoint(policy)
        var batches = OpenBatches(now: Self.now)
        #expect(batches.needsLookup("ep_a"))
        batches.found(nil, endpointID: "ep_a")
        #expect(!batches.needsLookup("ep_a"), "looked up once per publish")
        let ids = (0..<5).map { _ in batches.place(endpoint: endpoint, policy: policy) }
        #expect(ids[0] == ids[1] && ids[2] == ids[3] && Set(ids).count == 3, "\(ids)")
        #expect(batches.batches.map(\.members) == [2, 2, 1])
        #expect(batches.batches.allSatisfy { $0.isNew && $0.id.hasPrefix("dlv_") && $0.openedAt == Self.now })
        // Full ones are due now; the one left filling when its wait is over.
        #expect(batches.batches.map(\.dueAt) == [Self.now, Self.now, Self.now.addingTimeInterval(1)])
        #expect(batches.batches.allSatisfy { $0.dueChanged }, "the engine hears of each new batch with a due time")
    }

    @Test func aBatchFoundOpenKeepsItsWaitAndIsDueOnceFull() throws {
        let policy = BatchPolicy(maxSize: 3)
        let endpoint = try Self.endpoint(policy)
        var batches = Self.publishing(found: 1, ago: 60, due: nil)
        #expect(batches.place(endpoint: endpoint, policy: policy) == "bat_open")
        var open = try #require(batches.batches.first)
        #expect(open.members == 2 && open.dueAt == nil && !open.dueChanged && !open.isNew, "maxSize alone: not due until full")
        #expect(batches.place(endpoint: endpoint, policy: policy) == "bat_open")
        open = try #require(batches.batches.first)
        #expect(open.members == 3 && open.dueAt == Self.now && open.dueChanged, "full: due now, and the engine hears of it")
        let next = batches.place(endpoint: endpoint, policy: policy)
        #expect(next != "bat_open" && batches.batches.count == 2, "a full batch takes no more")
    }

    @Test func aWaitCountsFromTheBatchsFirstDeliveryAndIsNotAnnouncedTwice() throws {
        let policy = BatchPolicy(maxWaitMs: 5000)
        let endpoint = try Self.endpoint(policy)
        var batches = Self.publishing(found: 10, ago: 2, due: 5)
        _ = batches.place(endpoint: endpoint, policy: policy)
        let open = try #require(batches.batches.first)
        #expect(open.dueAt == Self.now.addingTimeInterval(3), "time only: 5 s after it opened, not after this delivery")
        #expect(!open.dueChanged, "its due time is already known")
    }

    @Test func aSizeOfOneMakesEveryDeliveryABatchDueNow() throws {
        let policy = BatchPolicy(maxSize: 1)
        let endpoint = try Self.endpoint(policy)
        var batches = OpenBatches(now: Self.now)
        batches.found(nil, endpointID: "ep_a")
        let ids = (0..<3).map { _ in batches.place(endpoint: endpoint, policy: policy) }
        #expect(Set(ids).count == 3)
        #expect(batches.batches.allSatisfy { $0.members == 1 && $0.dueAt == Self.now })
    }
}
