import ArgumentParser

/// `courier migrate`: creates or upgrades the schema and exits.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Create or upgrade the database schema.")

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let opened = try await store.open(migrate: true)
        await opened.close()
        say("\(opened.description): schema is up to date")
    }
}
