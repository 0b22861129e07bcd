import ArgumentParser
import CourierSQLite

/// Where the data lives; shared by every command that opens the store.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The SQLite database file.")
    var db: String = "courier.db"

    @Option(name: .long, help: "SQLite durability: full (fsync every commit; survives power loss) or normal (survives a crash).")
    var durability: SQLiteStore.Durability = .full

    func open() async throws -> SQLiteStore {
        try await SQLiteStore.open(path: db, durability: durability)
    }
}

extension SQLiteStore.Durability: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(rawValue: argument.uppercased())
    }
}
