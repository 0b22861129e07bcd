import ArgumentParser
import Courier
import CourierServer
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals
import CourierSQLite

/// `courier serve`: the API and the delivery engine in one process.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the API and the delivery workers.")

    @OptionGroup var store: StoreOptions

    @Option(help: "The address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "The port to listen on.")
    var port: Int = 8080

    @Option(help: "The largest request body accepted, in bytes.")
    var maxBodySize: Int = 1 << 20

    @Option(help: "Seconds a delivery request may take in all.")
    var requestTimeout: Double = 15

    @Option(help: "Seconds to wait for a connection to a receiver.")
    var connectTimeout: Double = 5

    @Option(help: "Seconds requests under way may take to finish at shutdown.")
    var shutdownGrace: Double = 10

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
        guard maxBodySize >= 1024 else { throw ValidationError("--max-body-size must be at least 1024") }
        guard requestTimeout > 0, connectTimeout > 0 else { throw ValidationError("timeouts must be positive") }
    }

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "courier")
        let opened = try await store.open()
        let admin = try await CourierServer.prepareAdminToken(
            store: opened, configured: ProcessInfo.processInfo.environment["COURIER_ADMIN_TOKEN"]
        )
        if let token = admin.generated {
            say("Generated the admin token (shown only this once; keep it, or set COURIER_ADMIN_TOKEN):\n  \(token)")
        }
        let engine = DeliveryEngine(
            store: opened,
            configuration: .init(
                sender: .init(
                    connectTimeout: .milliseconds(Int64(connectTimeout * 1000)),
                    requestTimeout: .milliseconds(Int64(requestTimeout * 1000))
                ),
                shutdownGrace: shutdownGrace
            ),
            logger: Logger(label: "courier.engine")
        )
        let host = self.host
        let db = store.db
        let app = CourierServer.makeApplication(
            store: opened,
            configuration: .init(host: host, port: port, maxBodySize: maxBodySize),
            adminTokenHash: admin.hash,
            logger: Logger(label: "courier.http"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                say("Courier \(Courier.version) listening on http://\(host):\(port) (database \(db))")
            }
        )
        // Shut down in reverse order: the API stops taking requests, then the engine drains.
        let group = ServiceGroup(
            configuration: .init(
                services: [engine, app],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        do {
            try await group.run()
        } catch {
            await opened.close()
            throw error
        }
        await opened.close()
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Writes a line to standard output at once (not buffered), so a pipe or a file sees it while the server runs.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
