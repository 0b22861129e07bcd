import ArgumentParser
import Courier
import CourierPostgres
import CourierSQLite

/// Where the data lives, for `serve` and `migrate` (a `worker` takes ``WorkerStoreOptions``).
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The SQLite database file (the default store, for one node; default: courier.db).")
    var db: String?

    @Option(name: .long, help: "SQLite durability: full (fsync every commit; survives power loss) or normal (survives a crash); default: full.")
    var durability: DurabilityOption?

    @Option(name: .long, help: "A PostgreSQL URL (postgres://user:password@host:5432/database), for several nodes; instead of --db.")
    var postgres: String?

    static let defaultPath = "courier.db"

    /// Options of the other store are refused rather than ignored: a node told both to use a
    /// file and PostgreSQL would otherwise quietly use one of them.
    func validate() throws {
        if let db, db.isEmpty { throw ValidationError("--db needs the path of a file") }
        if postgres != nil, db != nil { throw ValidationError("--db and --postgres name two stores: give one") }
        if postgres != nil, durability != nil {
            throw ValidationError("--durability is SQLite's: with --postgres, the server's settings decide durability")
        }
    }

    /// A store and how to close it.
    struct Opened {
        var store: any Store
        var description: String
        var close: @Sendable () async -> Void
        /// How often the engine looks for due work it was not told about.
        var resyncInterval: Double
    }

    func open(migrate: Bool) async throws -> Opened {
        if let postgres { return try await Self.openPostgres(url: postgres, migrate: migrate) }
        let path = db ?? Self.defaultPath
        let store = try await SQLiteStore.open(path: path, durability: (durability ?? .full).durability)
        return Opened(store: store, description: "database \(path)", close: { await store.close() }, resyncInterval: 30)
    }
}

extension StoreOptions {
    static func openPostgres(url: String, migrate: Bool) async throws -> Opened {
        let store = try await PostgresStore.connect(url: url, migrate: migrate)
        return Opened(store: store, description: "PostgreSQL", close: { await store.close() }, resyncInterval: 5)
    }
}

/// Whether a node applies the schema when it starts; `migrate` always does.
struct MigrationOptions: ParsableArguments {
    @Flag(name: .long, help: "With --postgres: do not apply the schema on start (run `courier migrate` instead).")
    var noMigrate = false
}

/// A worker shares another node's PostgreSQL database: it has no file of its own to name.
struct WorkerStoreOptions: ParsableArguments {
    @Option(name: .long, help: "The PostgreSQL URL the other nodes use (postgres://user:password@host:5432/database).")
    var postgres: String
}

/// `--durability`, written in lower case as the README shows it; any case is taken. Its own
/// type, not `SQLiteStore.Durability`: ArgumentParser shows a `CaseIterable` default by its raw
/// value, which is the pragma's `FULL`.
enum DurabilityOption: String, CaseIterable, ExpressibleByArgument {
    case full, normal

    init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }

    var durability: SQLiteStore.Durability {
        switch self {
        case .full: .full
        case .normal: .normal
        }
    }
}
