import Courier
import PostgresNIO

/// A transaction's multi-row inserts and notifications, sent as few statements as will hold
/// them: each insert a data-modifying `WITH` clause of one statement, and each notification an
/// item of its `SELECT` list (PostgreSQL runs every such clause once, to completion, whether
/// or not the statement reads its output). Each statement is a round trip, and on a busy
/// machine a round trip costs far more than the server's work in it: a publish's event, its
/// deliveries and its signal were three of a single-event publish's seven round trips, and are
/// now one.
struct CombinedWrite {
    /// Parameters per statement, well under the protocol's 65,535.
    static let parameterLimit = 30_000
    /// Rows per `VALUES` list.
    static let rowsPerInsert = 1_000

    private var finished: [(sql: String, values: [PGValue])] = []
    private var clauses: [String] = []
    private var selected: [String] = []
    private var values: [PGValue] = []

    /// Adds `rows` to be inserted by `statement` (an `INSERT … VALUES` without its tuples).
    /// `row` writes one row's tuple of placeholders, given how many parameters come before it;
    /// every row has the same number of values.
    mutating func insert(_ statement: String, rows: [[PGValue]], row: (Int) -> String) {
        var start = 0
        while start < rows.count {
            let chunk = rows[start..<min(start + Self.rowsPerInsert, rows.count)]
            if values.count + chunk.reduce(0, { $0 + $1.count }) > Self.parameterLimit { finish() }
            var tuples: [String] = []
            tuples.reserveCapacity(chunk.count)
            for rowValues in chunk {
                tuples.append(row(values.count))
                values += rowValues
            }
            clauses.append("w\(clauses.count) AS (\(statement) \(tuples.joined(separator: ", ")))")
            start += chunk.count
        }
    }

    /// Adds a notification, sent by PostgreSQL when the transaction commits.
    mutating func notify(_ signal: StoreSignal) {
        if values.count + 2 > Self.parameterLimit { finish() }
        selected.append("pg_notify($\(values.count + 1), $\(values.count + 2))")
        values += [.text(PostgresStore.channel), .text(signal.notification)]
    }

    /// Sends everything added, in the order added.
    mutating func run(on connection: PostgresConnection) async throws {
        finish()
        for statement in finished {
            try await connection.run(statement.sql, statement.values)
        }
        finished.removeAll()
    }

    private mutating func finish() {
        guard !clauses.isEmpty || !selected.isEmpty else { return }
        let with = clauses.isEmpty ? "" : "WITH \(clauses.joined(separator: ", ")) "
        finished.append((with + "SELECT " + (selected.isEmpty ? "1" : selected.joined(separator: ", ")), values))
        clauses.removeAll()
        selected.removeAll()
        values.removeAll()
    }
}
