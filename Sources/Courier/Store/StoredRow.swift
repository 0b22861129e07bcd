/// A row of a store's query, read by column position: what SQLite's statements and
/// PostgreSQL's rows have in common, so that what a row means is written once, in
/// ``StoredForm``, for both stores.
///
/// The reads throw because PostgreSQL's decoding can; SQLite's cannot, and satisfies them
/// without throwing.
public protocol StoredRow {
    func text(_ column: Int) throws -> String
    func optionalText(_ column: Int) throws -> String?
    func int(_ column: Int) throws -> Int64
    func optionalInt(_ column: Int) throws -> Int64?
    func double(_ column: Int) throws -> Double
    func bytes(_ column: Int) throws -> [UInt8]
}

/// A row whose columns are read from `offset` on: a statement that returns two kinds of row
/// side by side (a claimed delivery and its event) reads each with its own ``StoredForm`` map.
public struct ShiftedRow<Row: StoredRow>: StoredRow {
    let row: Row
    let offset: Int

    public func text(_ column: Int) throws -> String { try row.text(column + offset) }
    public func optionalText(_ column: Int) throws -> String? { try row.optionalText(column + offset) }
    public func int(_ column: Int) throws -> Int64 { try row.int(column + offset) }
    public func optionalInt(_ column: Int) throws -> Int64? { try row.optionalInt(column + offset) }
    public func double(_ column: Int) throws -> Double { try row.double(column + offset) }
    public func bytes(_ column: Int) throws -> [UInt8] { try row.bytes(column + offset) }
}

extension StoredRow {
    /// This row read from column `offset` on.
    public func shifted(by offset: Int) -> ShiftedRow<Self> { ShiftedRow(row: self, offset: offset) }
}
