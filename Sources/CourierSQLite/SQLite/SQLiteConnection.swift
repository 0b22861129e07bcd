import CSQLite
import Courier

/// A value bound to a statement parameter.
enum SQLiteValue: Sendable {
    case null
    case integer(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])
}

struct SQLiteError: Error, CustomStringConvertible {
    var code: Int32
    var message: String
    var description: String { "SQLite error \(code): \(message)" }

    /// A UNIQUE or PRIMARY KEY constraint failed.
    var isConstraintViolation: Bool { code & 0xFF == SQLITE_CONSTRAINT }

    /// The error a caller sees: the disk or the file failing (an I/O error, a full disk, a file
    /// made read-only or gone) is the store being unavailable, `503`, not a bug; anything else
    /// stays as it is.
    var surfaced: any Error {
        switch code & 0xFF {
        case SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_READONLY, SQLITE_BUSY, SQLITE_LOCKED:
            CourierError(.unavailable, code: "store_unavailable", message: "the database cannot be used: \(description)")
        default:
            self
        }
    }
}

/// One `sqlite3` connection, used from one thread at a time (the database's writer thread or
/// a reader thread), with its prepared statements cached by SQL text.
///
/// Preparing a statement costs more than running a small one, so the hot paths (claims,
/// attempt records, publishes) reuse theirs.
final class SQLiteConnection {
    /// For the calls this wrapper does not cover, such as the WAL hook and checkpoints.
    let handle: OpaquePointer
    private var statements: [String: SQLiteStatement] = [:]
    /// Work to do once the current transaction commits (see ``SQLiteDatabase``).
    var afterCommit: [@Sendable () -> Void] = []
    /// Where this connection's statements are timed, if anywhere (the writer's are).
    var times: SQLiteStatementTimes?
    private var isClosed = false

    init(path: String, readOnly: Bool) throws {
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE))
            | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open database"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: "\(message) (\(path))")
        }
        handle = db
        sqlite3_busy_timeout(db, 10_000)
        sqlite3_extended_result_codes(db, 1)
    }

    /// Closes the connection now rather than whenever it is freed. The last connection to a
    /// file to close copies the log into it and deletes the log, so a server that stopped
    /// leaves its data whole in the one file (which is what a backup that copies it needs).
    /// The caller must be the only user of the connection, and nobody may use it afterwards.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    deinit {
        close()
    }

    func error(_ code: Int32) -> SQLiteError {
        SQLiteError(code: code, message: String(cString: sqlite3_errmsg(handle)))
    }

    /// Runs SQL text that may hold several statements and takes no parameters (schema, pragmas).
    func execute(_ sql: String) throws {
        guard let times else { return try executeUntimed(sql) }
        try times.measure(sql) { try executeUntimed(sql) }
    }

    private func executeUntimed(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        if rc != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? "error"
            sqlite3_free(message)
            throw SQLiteError(code: rc, message: text)
        }
    }

    func statement(_ sql: String) throws -> SQLiteStatement {
        if let cached = statements[sql] {
            cached.reset()
            return cached
        }
        var raw: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard rc == SQLITE_OK, let raw else { throw error(rc) }
        let statement = SQLiteStatement(raw, connection: self)
        statements[sql] = statement
        return statement
    }

    /// Runs one statement for its effect; returns the number of rows it changed.
    @discardableResult
    func run(_ sql: String, _ binds: [SQLiteValue] = []) throws -> Int {
        guard let times else { return try runUntimed(sql, binds) }
        return try times.measure(sql) { try runUntimed(sql, binds) }
    }

    private func runUntimed(_ sql: String, _ binds: [SQLiteValue]) throws -> Int {
        let statement = try statement(sql)
        defer { statement.reset() }
        try statement.bind(binds)
        while try statement.step() {}
        return Int(sqlite3_changes(handle))
    }

    /// Runs one statement and maps each row.
    func query<T>(_ sql: String, _ binds: [SQLiteValue] = [], _ row: (SQLiteStatement) throws -> T) throws -> [T] {
        guard let times else { return try queryUntimed(sql, binds, row) }
        return try times.measure(sql) { try queryUntimed(sql, binds, row) }
    }

    private func queryUntimed<T>(_ sql: String, _ binds: [SQLiteValue], _ row: (SQLiteStatement) throws -> T) throws -> [T] {
        let statement = try statement(sql)
        defer { statement.reset() }
        try statement.bind(binds)
        var rows: [T] = []
        while try statement.step() {
            rows.append(try row(statement))
        }
        return rows
    }

    func queryFirst<T>(_ sql: String, _ binds: [SQLiteValue] = [], _ row: (SQLiteStatement) throws -> T) throws -> T? {
        guard let times else { return try queryFirstUntimed(sql, binds, row) }
        return try times.measure(sql) { try queryFirstUntimed(sql, binds, row) }
    }

    private func queryFirstUntimed<T>(_ sql: String, _ binds: [SQLiteValue], _ row: (SQLiteStatement) throws -> T) throws -> T? {
        let statement = try statement(sql)
        defer { statement.reset() }
        try statement.bind(binds)
        guard try statement.step() else { return nil }
        return try row(statement)
    }
}

/// A prepared statement; its column accessors read the current row.
final class SQLiteStatement {
    private let raw: OpaquePointer
    private unowned let connection: SQLiteConnection
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ raw: OpaquePointer, connection: SQLiteConnection) {
        self.raw = raw
        self.connection = connection
    }

    deinit {
        sqlite3_finalize(raw)
    }

    func reset() {
        sqlite3_reset(raw)
        sqlite3_clear_bindings(raw)
    }

    func bind(_ values: [SQLiteValue]) throws {
        for (i, value) in values.enumerated() {
            let index = Int32(i + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(raw, index)
            case .integer(let v): rc = sqlite3_bind_int64(raw, index, v)
            case .double(let v): rc = sqlite3_bind_double(raw, index, v)
            case .text(var v):
                // With its length, not up to its first NUL: a string is stored whole or refused
                // before it gets here, never cut short. An empty buffer may have no address,
                // which SQLite would take for NULL.
                rc = v.isEmpty
                    ? sqlite3_bind_text(raw, index, "", 0, Self.transient)
                    : v.withUTF8 { sqlite3_bind_text(raw, index, $0.baseAddress, Int32($0.count), Self.transient) }
            case .blob(let v):
                rc = v.withUnsafeBytes { buffer in
                    sqlite3_bind_blob(raw, index, buffer.baseAddress, Int32(buffer.count), Self.transient)
                }
            }
            guard rc == SQLITE_OK else { throw connection.error(rc) }
        }
    }

    /// Advances to the next row; false when done.
    func step() throws -> Bool {
        let rc = sqlite3_step(raw)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(rc)
        }
    }

    func isNull(_ column: Int) -> Bool {
        sqlite3_column_type(raw, Int32(column)) == SQLITE_NULL
    }

    func int(_ column: Int) -> Int64 {
        sqlite3_column_int64(raw, Int32(column))
    }

    func optionalInt(_ column: Int) -> Int64? {
        isNull(column) ? nil : sqlite3_column_int64(raw, Int32(column))
    }

    func double(_ column: Int) -> Double {
        sqlite3_column_double(raw, Int32(column))
    }

    func text(_ column: Int) -> String {
        guard let pointer = sqlite3_column_text(raw, Int32(column)) else { return "" }
        let count = Int(sqlite3_column_bytes(raw, Int32(column)))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    func optionalText(_ column: Int) -> String? {
        isNull(column) ? nil : text(column)
    }

    func bytes(_ column: Int) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(raw, Int32(column)))
        guard count > 0, let pointer = sqlite3_column_blob(raw, Int32(column)) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}

extension SQLiteStatement: StoredRow {}
