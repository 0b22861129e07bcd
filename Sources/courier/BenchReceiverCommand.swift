import ArgumentParser
import Courier
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// `courier bench-receiver`: the benchmark's receiver on its own, so that other senders (wrk,
/// a Celery worker, Courier in another process) are measured against the very same server.
struct BenchReceiverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-receiver",
        abstract: "Run the benchmark receiver alone: 204 to every POST, GET /stats counts what arrived."
    )

    @OptionGroup var listen: ListenOptions

    func run() async throws {
        StandardErrorLogHandler.bootstrap(level: .warning)
        let receiver = BenchReceiver()
        let host = listen.host
        let app = receiver.application(host: host, port: listen.port) { channel in
            say("bench receiver listening on \(listeningURL(host: host, port: channel.localAddress?.port))")
        }
        let group = ServiceGroup(configuration: .init(
            services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: .init(label: "courier.bench")
        ))
        try await group.run()
    }
}
