import Courier
import Foundation
import PostgresNIO

extension PostgresStore {

    public func startOperation(
        _ action: DeliveryStateMachine.Action, tenantID: String, filter: DeliveryFilter, now: Date
    ) async throws -> BulkOperation {
        let total = try await countDeliveries(tenantID: tenantID, filter: filter)
        return try await transaction { connection in
            let operation = BulkOperation(
                id: Identifier.make("op", now: now), tenantID: tenantID, action: action, filter: filter, total: total,
                createdAt: now, updatedAt: now
            )
            try await Self.save(operation, connection: connection, inserting: true)
            try await Self.notify(connection, .operationStarted(id: operation.id))
            return operation
        }
    }

    public func operation(tenantID: String, id: String) async throws -> BulkOperation? {
        try await wrap { connection in
            try await connection.first(
                "SELECT \(StoredForm.operationColumns) FROM operations WHERE id = $1 AND tenant_id = $2", [.text(id), .text(tenantID)],
                StoredForm.operation
            )
        }
    }

    public func operations(tenantID: String, page: PageRequest) async throws -> Page<BulkOperation> {
        try await wrap { connection in
            let rows = try await connection.rows(
                "SELECT \(StoredForm.operationColumns) FROM operations WHERE tenant_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
                [.text(tenantID), .text(page.cursor ?? "~"), .integer(Int64(page.limit + 1))], StoredForm.operation
            )
            return Page(fetched: rows, limit: page.limit, id: \.id)
        }
    }

    public func runningOperations() async throws -> [String] {
        try await wrap { connection in
            try await connection.rows("SELECT id FROM operations WHERE status = 'running' ORDER BY id") { try $0.text(0) }
        }
    }

    public func advanceOperation(id: String, now: Date) async throws -> BulkOperation? {
        try await transaction { connection in
            // The row lock makes advances of one operation from several nodes take turns, each
            // starting from the cursor the one before committed.
            guard let operation = try await connection.first(
                "SELECT \(StoredForm.operationColumns) FROM operations WHERE id = $1 FOR UPDATE", [.text(id)], StoredForm.operation
            ) else { return nil }
            guard operation.status == .running else { return operation }
            let (result, last) = try await Self.applyChunk(
                operation.action, tenantID: operation.tenantID, filter: operation.filter, below: operation.cursor,
                connection: connection, now: now
            )
            let advanced = operation.advanced(by: result, last: last, now: now)
            try await Self.save(advanced, connection: connection, inserting: false)
            return advanced
        }
    }

    public func cancelOperation(tenantID: String, id: String, now: Date) async throws -> BulkOperation {
        try await transaction { connection in
            guard let operation = try await connection.first(
                "SELECT \(StoredForm.operationColumns) FROM operations WHERE id = $1 AND tenant_id = $2 FOR UPDATE",
                [.text(id), .text(tenantID)], StoredForm.operation
            ) else { throw CourierError.notFound("operation") }
            let cancelled = try operation.cancelled(now: now)
            try await Self.save(cancelled, connection: connection, inserting: false)
            return cancelled
        }
    }

    private static func save(_ operation: BulkOperation, connection: PostgresConnection, inserting: Bool) async throws {
        let values: [PGValue] = [
            .text(operation.tenantID), .text(operation.action.rawValue), .text(StoredForm.filter(operation.filter)),
            .text(operation.status.rawValue), .integer(Int64(operation.total)), .integer(Int64(operation.matched)),
            .integer(Int64(operation.changed)), .text(operation.cursor), .integer(Timestamp.millis(operation.createdAt)),
            .integer(Timestamp.millis(operation.updatedAt)), .integer(operation.finishedAt.map(Timestamp.millis)), .text(operation.id),
        ]
        if inserting {
            try await connection.run(
                """
                INSERT INTO operations (tenant_id, action, filter, status, total, matched, changed, cursor, created_at,
                    updated_at, finished_at, id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                """,
                values
            )
        } else {
            try await connection.run(
                """
                UPDATE operations SET tenant_id = $1, action = $2, filter = $3, status = $4, total = $5, matched = $6,
                    changed = $7, cursor = $8, created_at = $9, updated_at = $10, finished_at = $11 WHERE id = $12
                """,
                values
            )
        }
    }
}
