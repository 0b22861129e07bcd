import Courier
import CourierPostgres
import Foundation
import PostgresNIO

/// A database of the benchmark's own on the PostgreSQL server a URL names, made for one run and
/// dropped after it: a benchmark never writes into a database that holds anything else, and
/// every run starts from the same empty schema, as the SQLite runs start from a new file.
struct BenchDatabase {
    /// The new database's URL: the server's, with the database's name for its path.
    let url: String
    let name: String
    private let serverURL: String

    /// Makes the database; the URL's user needs the `CREATEDB` privilege.
    static func create(onServerOf serverURL: String) async throws -> BenchDatabase {
        guard var components = URLComponents(string: serverURL) else {
            throw CommandFailure("the PostgreSQL URL must look like postgres://user:password@host:5432/database")
        }
        let name = "courier_bench_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        do {
            try await execute("CREATE DATABASE \(name)", at: serverURL)
        } catch let error as PSQLError {
            throw CommandFailure(
                "cannot make the benchmark's database: \(PostgresStore.reason(error)) (the URL's user needs CREATEDB)"
            )
        }
        components.path = "/\(name)"
        guard let url = components.string else { throw CommandFailure("cannot make the benchmark database's URL") }
        return BenchDatabase(url: url, name: name, serverURL: serverURL)
    }

    /// Drops the database, ending the connections still open to it.
    func drop() async throws {
        try await Self.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", at: serverURL)
    }

    /// Runs one statement on a connection of its own, read from the URL as the store reads it.
    /// The pool retries a server it cannot reach for as long as it is asked to, so the statement
    /// is given the store's time limit for one operation.
    private static func execute(_ sql: String, at url: String) async throws {
        var configuration = try PostgresStore.configuration(url: url)
        configuration.options.maximumConnections = 1
        let client = PostgresClient(configuration: configuration)
        try await Deadline.run(PostgresStore.defaultOperationTimeout, timeoutError: { CommandFailure("PostgreSQL did not answer `\(sql)` within \(PostgresStore.defaultOperationTimeout)") }) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                _ = try await client.query(PostgresQuery(unsafeSQL: sql))
            }
        }
    }
}
