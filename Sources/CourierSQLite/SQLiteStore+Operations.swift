import Courier
import Foundation

extension SQLiteStore {

    public func startOperation(
        _ action: DeliveryStateMachine.Action, tenantID: String, filter: DeliveryFilter, now: Date
    ) async throws -> BulkOperation {
        // Counted on a reader: over a large filter the count takes a while, and the writer
        // must not wait for it. The total is the measure of progress, not a promise.
        let total = try await countDeliveries(tenantID: tenantID, filter: filter)
        return try await database.write { [hub] db in
            let operation = BulkOperation(
                id: Identifier.make("op", now: now), tenantID: tenantID, action: action, filter: filter, total: total,
                createdAt: now, updatedAt: now
            )
            try Self.save(operation, db: db, inserting: true)
            db.afterCommit.append { hub.emit([.operationStarted(id: operation.id)]) }
            return operation
        }
    }

    public func operation(tenantID: String, id: String) async throws -> BulkOperation? {
        try await database.read { db in
            try db.queryFirst(
                "SELECT \(StoredForm.operationColumns) FROM operations WHERE id = ? AND tenant_id = ?", [.text(id), .text(tenantID)],
                StoredForm.operation
            )
        }
    }

    public func operations(tenantID: String, page: PageRequest) async throws -> Page<BulkOperation> {
        try await database.read { db in
            let rows = try db.query(
                "SELECT \(StoredForm.operationColumns) FROM operations WHERE tenant_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
                [.text(tenantID), .text(page.cursor ?? "~"), .integer(Int64(page.limit + 1))], StoredForm.operation
            )
            return Page(fetched: rows, limit: page.limit, id: \.id)
        }
    }

    public func runningOperations() async throws -> [String] {
        try await database.read { db in
            try db.query("SELECT id FROM operations WHERE status = 'running' ORDER BY id") { $0.text(0) }
        }
    }

    public func advanceOperation(id: String, now: Date) async throws -> BulkOperation? {
        try await database.write { [hub] db in
            guard let operation = try db.queryFirst(
                "SELECT \(StoredForm.operationColumns) FROM operations WHERE id = ?", [.text(id)], StoredForm.operation
            ) else { return nil }
            guard operation.status == .running else { return operation }
            let (result, last) = try Self.applyChunk(
                operation.action, tenantID: operation.tenantID, filter: operation.filter, below: operation.cursor,
                db: db, hub: hub, now: now
            )
            let advanced = operation.advanced(by: result, last: last, now: now)
            try Self.save(advanced, db: db, inserting: false)
            return advanced
        }
    }

    public func cancelOperation(tenantID: String, id: String, now: Date) async throws -> BulkOperation {
        try await database.write { db in
            guard let operation = try db.queryFirst(
                "SELECT \(StoredForm.operationColumns) FROM operations WHERE id = ? AND tenant_id = ?", [.text(id), .text(tenantID)],
                StoredForm.operation
            ) else { throw CourierError.notFound("operation") }
            let cancelled = try operation.cancelled(now: now)
            try Self.save(cancelled, db: db, inserting: false)
            return cancelled
        }
    }

    private static func save(_ operation: BulkOperation, db: SQLiteConnection, inserting: Bool) throws {
        let values: [SQLiteValue] = [
            .text(operation.tenantID), .text(operation.action.rawValue), .text(StoredForm.filter(operation.filter)),
            .text(operation.status.rawValue), .integer(Int64(operation.total)), .integer(Int64(operation.matched)),
            .integer(Int64(operation.changed)), operation.cursor.map(SQLiteValue.text) ?? .null,
            .integer(Timestamp.millis(operation.createdAt)), .integer(Timestamp.millis(operation.updatedAt)),
            operation.finishedAt.map { .integer(Timestamp.millis($0)) } ?? .null, .text(operation.id),
        ]
        if inserting {
            try db.run(
                """
                INSERT INTO operations (tenant_id, action, filter, status, total, matched, changed, cursor, created_at,
                    updated_at, finished_at, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                values
            )
        } else {
            try db.run(
                """
                UPDATE operations SET tenant_id = ?, action = ?, filter = ?, status = ?, total = ?, matched = ?, changed = ?,
                    cursor = ?, created_at = ?, updated_at = ?, finished_at = ? WHERE id = ?
                """,
                values
            )
        }
    }
}
