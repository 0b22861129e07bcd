import Courier
import NIOCore
import PostgresNIO

/// A value bound to a `$n` parameter; nulls keep their type so PostgreSQL can plan the query.
enum PGValue: Sendable {
    case text(String?)
    case integer(Int64?)
    case double(Double?)
    case bytes([UInt8])
    /// A `text[]`, for bulk inserts with `unnest`.
    case texts([String])
}

/// One row, read by column position.
struct PGRow: StoredRow {
    let row: PostgresRandomAccessRow

    func text(_ i: Int) throws -> String { try row[i].decode(String.self) }
    func optionalText(_ i: Int) throws -> String? { try row[i].decode(String?.self) }
    func int(_ i: Int) throws -> Int64 { try row[i].decode(Int64.self) }
    func optionalInt(_ i: Int) throws -> Int64? { try row[i].decode(Int64?.self) }
    func double(_ i: Int) throws -> Double { try row[i].decode(Double.self) }
    func bytes(_ i: Int) throws -> [UInt8] {
        let buffer = try row[i].decode(ByteBuffer.self)
        return Array(buffer.readableBytesView)
    }
}

extension PostgresConnection {
    static func query(_ sql: String, _ values: [PGValue]) -> PostgresQuery {
        var binds = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .text(let v): binds.append(v)
            case .integer(let v): binds.append(v)
            case .double(let v): binds.append(v)
            case .bytes(let v): binds.append(ByteBuffer(bytes: v))
            case .texts(let v): binds.append(v)
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    /// Runs a statement and maps each row.
    func rows<T>(_ sql: String, _ values: [PGValue] = [], _ map: (PGRow) throws -> T) async throws -> [T] {
        let sequence = try await query(Self.query(sql, values), logger: PostgresStore.queryLogger)
        var result: [T] = []
        for try await row in sequence {
            result.append(try map(PGRow(row: row.makeRandomAccess())))
        }
        return result
    }

    func first<T>(_ sql: String, _ values: [PGValue] = [], _ map: (PGRow) throws -> T) async throws -> T? {
        try await rows(sql, values, map).first
    }

    /// Runs a statement for its effect. Statements that should report how many rows they
    /// changed end in `RETURNING 1`; the count of returned rows is the answer.
    @discardableResult
    func run(_ sql: String, _ values: [PGValue] = []) async throws -> Int {
        try await rows(sql, values) { _ in () }.count
    }
}
