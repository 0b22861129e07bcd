import ArgumentParser

/// `courier`: the server and the everyday commands around it.
@main
struct CourierCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "courier",
        abstract: "Durable event forwarding: store, fan out, sign, deliver, retry, and keep every attempt.",
        subcommands: [ServeCommand.self, WorkerCommand.self, MigrateCommand.self, BenchCommand.self, BenchReceiverCommand.self]
    )
}
