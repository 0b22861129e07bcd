import ArgumentParser
import Courier
import CourierServer
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// `courier serve`: the API and the delivery engine in one process.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the API and the delivery workers.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var migration: MigrationOptions
    @OptionGroup var listen: ListenOptions
    @OptionGroup var engine: EngineOptions

    @Option(help: "The largest request body accepted, in bytes.")
    var maxBodySize: Int = 1 << 20

    func validate() throws {
        guard maxBodySize >= 1024 else { throw ValidationError("--max-body-size must be at least 1024") }
        if migration.noMigrate, store.postgres == nil {
            throw ValidationError("--no-migrate is for PostgreSQL: a SQLite file always has its schema applied as it opens")
        }
    }

    func run() async throws {
        engine.bootstrapLogging()
        let metricsTokenHash = try ListenOptions.metricsTokenHash()
        // Checked before the store is opened (and a token perhaps generated and stored).
        let configured = ProcessInfo.processInfo.environment["COURIER_ADMIN_TOKEN"]
        if let configured, !configured.isEmpty {
            _ = try CourierServer.configuredTokenHash(configured, variable: "COURIER_ADMIN_TOKEN", refusingShort: false)
            if CourierServer.isShort(configured) {
                Logger(label: "courier").warning(
                    "COURIER_ADMIN_TOKEN is shorter than \(CourierServer.minimumConfiguredTokenLength) characters: one that short can be guessed; set a longer one"
                )
            }
        }
        let metrics = EngineOptions.bootstrapMetrics()
        let opened = try await store.open(migrate: !migration.noMigrate)
        let admin = try await CourierServer.prepareAdminToken(store: opened.store, configured: configured)
        if let token = admin.generated {
            say("Generated the admin token (shown only this once; keep it, or set COURIER_ADMIN_TOKEN):\n  \(token)")
        }
        let host = listen.host
        let description = "\(opened.description); \(engine.retentionNote)"
        let app = CourierServer.makeApplication(
            store: opened.store,
            configuration: .init(
                host: host, port: listen.port, maxBodySize: maxBodySize, allowsPrivateTargets: engine.allowPrivateTargets,
                metricsTokenHash: metricsTokenHash
            ),
            adminTokenHash: admin.hash,
            metrics: metrics,
            logger: Logger(label: "courier.http"),
            onServerRunning: { channel in
                say("Courier \(Courier.version) listening on \(listeningURL(host: host, port: channel.localAddress?.port)) (\(description))")
            }
        )
        do {
            try await runServices(
                engine.services(store: opened) + [app],
                store: opened, shutdownGrace: engine.shutdownGrace
            )
        } catch {
            // A port in use, say: the token is stored all the same, and the next start will not show it.
            if admin.generated != nil {
                note("The admin token printed above is stored and stays valid: keep it, as it will not be shown again.")
            }
            throw error
        }
    }
}

/// `courier worker`: delivery workers only, for more nodes on one PostgreSQL database. It
/// serves `/healthz` and `/metrics` so that an orchestrator and Prometheus can watch it.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run delivery workers only (another node on the same PostgreSQL database)."
    )

    @OptionGroup var store: WorkerStoreOptions
    @OptionGroup var migration: MigrationOptions
    @OptionGroup var listen: ListenOptions
    @OptionGroup var engine: EngineOptions

    func run() async throws {
        engine.bootstrapLogging()
        let metrics = EngineOptions.bootstrapMetrics()
        let opened = try await StoreOptions.openPostgres(url: store.postgres, migrate: !migration.noMigrate)
        let host = listen.host
        let retentionNote = engine.retentionNote
        let app = CourierServer.makeHealthApplication(
            configuration: .init(host: host, port: listen.port, metricsTokenHash: try ListenOptions.metricsTokenHash()),
            metrics: metrics,
            logger: Logger(label: "courier.http"),
            onServerRunning: { channel in
                say("Courier \(Courier.version) worker, health on \(listeningURL(host: host, port: channel.localAddress?.port))/healthz (\(retentionNote))")
            }
        )
        try await runServices(
            engine.services(store: opened) + [app],
            store: opened, shutdownGrace: engine.shutdownGrace
        )
    }
}

/// Runs services until SIGTERM or SIGINT, then closes the store.
///
/// Services shut down in reverse order: the HTTP side stops taking requests first, then the
/// engine drains, so no request is accepted that the engine will not see. The first signal
/// asks for that graceful shutdown, which may take the shutdown grace and a few seconds more
/// while requests finish; a second one stops the process at once. Nothing accepted is lost
/// that way either: what was acknowledged is stored, and what was under way goes again once
/// its lease ends, as after a crash.
func runServices(_ services: [any Service], store: StoreOptions.Opened, shutdownGrace: Double) async throws {
    let logger = Logger(label: "courier")
    let group = ServiceGroup(configuration: .init(services: services, logger: logger))
    let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
    let watcher = Task {
        var asked = false
        for await signal in signals {
            if asked {
                logger.warning("second signal: stopping now; deliveries under way go again once their leases end", metadata: ["signal": "\(signal)"])
                exit(128 + signal.rawValue)
            }
            asked = true
            logger.notice("shutting down: requests under way have up to \(shutdownGrace.formatted()) s to finish; signal again to stop at once", metadata: [
                "signal": "\(signal)",
            ])
            await group.triggerGracefulShutdown()
        }
    }
    defer { watcher.cancel() }
    do {
        try await group.run()
    } catch {
        await store.close()
        throw error
    }
    await store.close()
}

/// The URL a server listening on `host` and `port` answers at; an IPv6 address in brackets.
func listeningURL(host: String, port: Int?) -> String {
    let shown = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
    return "http://\(shown):\(port ?? 0)"
}
