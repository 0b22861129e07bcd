import ArgumentParser
import Courier
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// `courier`: the server and the everyday commands around it.
@main
struct CourierCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "courier",
        abstract: "Durable event forwarding: store, fan out, sign, deliver, retry, and keep every attempt.",
        version: Courier.version,
        subcommands: [
            ServeCommand.self, WorkerCommand.self, MigrateCommand.self,
            EndpointsCommand.self, EventsCommand.self, DeliveriesCommand.self, SessionsCommand.self, SinkCommand.self,
            BenchCommand.self, BenchReceiverCommand.self,
        ]
    )

    /// Argument parser's own `main`, except that a ``CommandFailure`` is one `error: …` line on
    /// standard error, the same for every everyday command, rather than its `Error: ` rendering.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            note("error: \(failure)")
            exit(withError: ExitCode.failure)
        } catch let error as CourierError {
            // The store's refusals as `serve` or `migrate` start (locked, unavailable, too new).
            note("error: \(CommandFailure(error))")
            exit(withError: ExitCode.failure)
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            note("error: cannot listen: the address is already in use (another server on that port? choose one with --port)")
            exit(withError: ExitCode.failure)
        } catch {
            exit(withError: error)
        }
    }
}
