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
