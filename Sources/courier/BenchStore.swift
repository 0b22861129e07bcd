import Courier
import CourierPostgres
import CourierSQLite
import Foundation
import Logging

/// The store a benchmark runs on, made empty for the run and removed after it: a SQLite file
/// in a directory of its own, or a database of its own on a PostgreSQL server.
struct BenchStore: Sendable {
    let store: any Store
    /// The SQLite store, for what only it can report (its writer's statement times).
    let sqlite: SQLiteStore?
    /// What the report's first line says the scenario ran on.
    let description: String
    let close: @Sendable () async -> Void
    /// Removes what the run made without closing the store first, for a run interrupted by a
    /// signal: the process exits next, and a benchmark's data (a hundred megabytes, or a
    /// database) must not stay behind.
    let discard: @Sendable () async -> Void

    static func open(postgres: String?, durability: SQLiteStore.Durability, logger: Logger) async throws -> BenchStore {
        if let postgres {
            let database = try await BenchDatabase.create(onServerOf: postgres)
            let store: PostgresStore
            do {
                store = try await PostgresStore.connect(url: database.url, logger: logger)
            } catch {
                try? await database.drop()
                throw error
            }
            let drop: @Sendable () async -> Void = {
                do { try await database.drop() } catch { logger.warning("could not drop the benchmark's database \(database.name): \(error)") }
            }
            return BenchStore(store: store, sqlite: nil, description: "PostgreSQL", close: {
                await store.close()
                await drop()
            }, discard: drop)
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("courier-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store: SQLiteStore
        do {
            store = try await SQLiteStore.open(path: directory.appendingPathComponent("bench.db").path, durability: durability)
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        return BenchStore(store: store, sqlite: store, description: "SQLite \(durability.rawValue.lowercased())", close: {
            // The store copies its log back into its file only on close, so it closes first.
            await store.close()
            try? FileManager.default.removeItem(at: directory)
        }, discard: {
            try? FileManager.default.removeItem(at: directory)
        })
    }
}
