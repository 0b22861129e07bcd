import ArgumentParser
import Courier
import CourierPostgres
import CourierSQLite

/// Where the data lives; shared by every command that opens the store.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The SQLite database file (the default store, for one node).")
    var db: String = "courier.db"

    @Option(name: .long, help: "SQLite durability: full (fsync every commit; survives power loss) or normal (survives a crash).")
    var durability: SQLiteStore.Durability = .full

    @Option(name: .long, help: "A PostgreSQL URL (postgres://user:password@host:5432/database), for several nodes; replaces --db.")
    var postgres: String?

    @Flag(name: .long, help: "With --postgres: do not apply the schema on start (run `courier migrate` instead).")
    var noMigrate = false

    func validate() throws {
        guard !db.isEmpty else { throw ValidationError("--db needs the path of a file") }
    }

    /// A store and how to close it.
    struct Opened {
        var store: any Store
        var description: String
        var close: @Sendable () async -> Void
        /// How often the engine looks for due work it was not told about.
        var resyncInterval: Double
    }

    func open(migrate: Bool? = nil) async throws -> Opened {
        if let postgres {
            let store = try await PostgresStore.connect(url: postgres, migrate: migrate ?? !noMigrate)
            return Opened(store: store, description: "PostgreSQL", close: { await store.close() }, resyncInterval: 5)
        }
        let store = try await SQLiteStore.open(path: db, durability: durability)
        return Opened(store: store, description: "database \(db)", close: { await store.close() }, resyncInterval: 30)
    }
}

extension SQLiteStore.Durability: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(rawValue: argument.uppercased())
    }
}
