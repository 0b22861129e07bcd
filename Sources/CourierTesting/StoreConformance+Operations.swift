import Courier
import Foundation

/// Bulk operations, as every store must carry them out: a chunk per transaction with the
/// cursor moved in the same one, so that advances from anywhere, at once or after a crash,
/// act on each delivery exactly once.
extension StoreConformance {
    static func bulkOperations(_ store: any Store) async throws {
        try await store.createTenant(Tenant(id: "acme", createdAt: t0))
        try await store.insertEndpoint(try endpoint("ep_a"))
        try await store.insertEndpoint(try endpoint("ep_x", tenant: "acme"))
        let count = 2 * BulkOperation.chunkSize + 200
        _ = try await store.publish((0..<count).map { _ in try event() }, tenantID: Tenant.defaultID, now: t0)
        _ = try await store.publish([try event()], tenantID: "acme", now: t0)
        let signals = store.signals()

        let operation = try await store.startOperation(.cancel, tenantID: Tenant.defaultID, filter: DeliveryFilter(state: .pending), now: t0)
        try expect(
            operation.status == .running && operation.total == count && operation.matched == 0 && operation.cursor == nil,
            "started, with what matches as its total: \(operation)"
        )
        let started = await firstSignal(signals) { $0 == .operationStarted(id: operation.id) }
        try expect(started != nil, "starting signals the runners")
        try expect(try await store.runningOperations() == [operation.id], "listed as running")
        try expect(try await store.operation(tenantID: "acme", id: operation.id) == nil, "another tenant's operation is not found")
        try await expectError(.notFound, "cancelling another tenant's operation") {
            _ = try await store.cancelOperation(tenantID: "acme", id: operation.id, now: t0)
        }

        let first = try unwrap(try await store.advanceOperation(id: operation.id, now: t0), "advanced")
        try expect(
            first.status == .running && first.matched == BulkOperation.chunkSize && first.changed == BulkOperation.chunkSize
                && first.cursor != nil,
            "one chunk: \(first)"
        )
        let cancelled = try await store.countDeliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(state: .cancelled))
        try expect(cancelled == BulkOperation.chunkSize, "the chunk's deliveries changed with the cursor: \(cancelled)")

        // Two advances at once take turns: the second starts where the first committed.
        async let a = store.advanceOperation(id: operation.id, now: t0)
        async let b = store.advanceOperation(id: operation.id, now: t0)
        _ = try await (a, b)
        let done = try unwrap(try await store.operation(tenantID: Tenant.defaultID, id: operation.id), "read back")
        try expect(
            done.status == .finished && done.matched == count && done.changed == count && done.finishedAt != nil,
            "finished, each delivery walked once: \(done)"
        )
        try expect(
            try await store.countDeliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(state: .cancelled)) == count,
            "every matching delivery changed"
        )
        try expect(
            try await store.countDeliveries(tenantID: "acme", filter: DeliveryFilter(state: .pending)) == 1,
            "another tenant's deliveries are untouched"
        )
        try expect(try await store.advanceOperation(id: operation.id, now: t0) == done, "a finished operation stays as it is")
        try expect(try await store.advanceOperation(id: "op_none", now: t0) == nil, "no such operation")
        try expect(try await store.runningOperations().isEmpty, "none running")
        try await expectError(.conflict, "cancelling a finished operation") {
            _ = try await store.cancelOperation(tenantID: Tenant.defaultID, id: operation.id, now: t0)
        }

        // Cancelled part way: what was done stays, nothing more is done.
        let requeue = try await store.startOperation(
            .requeue, tenantID: Tenant.defaultID, filter: DeliveryFilter(endpointID: "ep_a"), now: t0.addingTimeInterval(1)
        )
        _ = try await store.advanceOperation(id: requeue.id, now: t0.addingTimeInterval(1))
        let stopped = try await store.cancelOperation(tenantID: Tenant.defaultID, id: requeue.id, now: t0.addingTimeInterval(2))
        try expect(stopped.status == .cancelled && stopped.matched == BulkOperation.chunkSize, "stopped after a chunk: \(stopped)")
        try expect(
            try await store.advanceOperation(id: requeue.id, now: t0.addingTimeInterval(3)) == stopped,
            "a cancelled operation is not advanced"
        )
        try expect(
            try await store.countDeliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(state: .pending))
                == BulkOperation.chunkSize,
            "the requeued chunk stays requeued"
        )

        let listed = try await store.operations(tenantID: Tenant.defaultID, page: PageRequest(limit: 1))
        try expect(listed.items.map(\.id) == [requeue.id] && listed.nextCursor != nil, "newest first: \(listed.items.map(\.id))")
        let rest = try await store.operations(tenantID: Tenant.defaultID, page: PageRequest(limit: 1, cursor: listed.nextCursor))
        try expect(rest.items.map(\.id) == [operation.id] && rest.items[0].filter == DeliveryFilter(state: .pending), "then older")
        try expect(try await store.operations(tenantID: "acme", page: PageRequest()).items.isEmpty, "scoped to the tenant")
    }
}
