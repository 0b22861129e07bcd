import ArgumentParser
import Courier
import CourierServer
import Foundation
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle

/// How the delivery workers behave; shared by `serve` and `worker`.
struct EngineOptions: ParsableArguments {
    @Option(help: "Seconds a delivery request may take in all.")
    var requestTimeout: Double = 15

    @Option(help: "Seconds to wait for a connection to a receiver.")
    var connectTimeout: Double = 5

    @Option(help: "Seconds requests under way may take to finish at shutdown.")
    var shutdownGrace: Double = 10

    @Option(help: "Seconds a claim is held; after a node dies, others take its deliveries once this passes (default: twice the request timeout plus 30; an endpoint's own timeoutSeconds may lengthen it).")
    var lease: Double?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Flag(help: "Allow endpoints on loopback, private and link-local addresses (for local receivers and tests; off in production).")
    var allowPrivateTargets = false

    @Option(help: "Seconds between samples of the backlog for /metrics.")
    var metricsInterval: Double = 15

    @Option(help: "Days to keep an event or a message once everything it caused has ended; 0 keeps everything.")
    var retentionDays: Double = RetentionOption.defaultDays

    /// The longest any of these durations may be: a day. Beyond it a setting is a typo, and an
    /// endless or enormous one would overflow the clocks it is turned into.
    static let longestSeconds: Double = 86400

    func validate() throws {
        func check(_ value: Double, _ name: String, least: Double, inclusive: Bool = false) throws {
            guard value.isFinite, inclusive ? value >= least : value > least, value <= Self.longestSeconds else {
                let shown = least == least.rounded() ? String(Int(least)) : String(least)
                let lower = inclusive ? "at least \(shown)" : "more than \(shown)"
                throw ValidationError("--\(name) must be \(lower) and at most \(Int(Self.longestSeconds)) seconds")
            }
        }
        try check(requestTimeout, "request-timeout", least: 0)
        try check(connectTimeout, "connect-timeout", least: 0)
        try check(shutdownGrace, "shutdown-grace", least: 0, inclusive: true)
        try check(metricsInterval, "metrics-interval", least: 0.1, inclusive: true)
        if let lease { try check(lease, "lease", least: 0) }
        guard retentionDays.isFinite, retentionDays >= 0, retentionDays <= RetentionOption.longestDays else {
            throw ValidationError("--retention-days must be from 0 (keep everything) to \(Int(RetentionOption.longestDays))")
        }
        if let lease, lease <= requestTimeout {
            throw ValidationError("--lease must be longer than --request-timeout, or a slow request would be sent twice")
        }
    }

    func makeEngine(store: StoreOptions.Opened) -> DeliveryEngine {
        DeliveryEngine(
            store: store.store,
            configuration: .init(
                sender: .init(
                    connectTimeout: .milliseconds(Int64(connectTimeout * 1000)),
                    requestTimeout: .milliseconds(Int64(requestTimeout * 1000))
                ),
                lease: lease,
                shutdownGrace: shutdownGrace,
                resyncInterval: store.resyncInterval,
                allowsPrivateTargets: allowPrivateTargets
            ),
            logger: Logger(label: "courier.engine")
        )
    }

    /// The retention period as the start-up line says it, so that whoever starts a node sees
    /// what it will delete.
    var retentionNote: String {
        retentionDays > 0 ? "events kept \(retentionDays.formatted()) days after they end" : "events kept for good"
    }

    /// What a node runs beside its HTTP side (`serve` and `worker` alike), the engine last so
    /// that it shuts down first after the HTTP side: the backlog's gauges, the bulk operation
    /// runner, the retention sweeper unless everything is kept, and the delivery engine.
    func services(store: StoreOptions.Opened) -> [any Service] {
        var services: [any Service] = [makeBacklogMetrics(store: store), BulkOperationRunner(store: store.store)]
        if retentionDays > 0 {
            services.append(RetentionSweeper(store: store.store, configuration: .init(period: retentionDays * 86400)))
        }
        return services + [makeEngine(store: store)]
    }

    /// The sampler of the backlog gauges (see ``BacklogMetrics``).
    func makeBacklogMetrics(store: StoreOptions.Opened) -> BacklogMetrics {
        BacklogMetrics(store: store.store, interval: .milliseconds(Int64(metricsInterval * 1000)))
    }

    /// Metrics go to a Prometheus registry that `/metrics` serves; only the executable does this
    /// (`serve`, `worker`, and `bench`, so that it measures what a server pays for them).
    static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        for label in [StoreMetrics.waitLabel, StoreMetrics.commitLabel] { factory.durationHistogramBuckets[label] = StoreMetrics.buckets }
        MetricsSystem.bootstrap(factory)
        return registry
    }

    /// Logs go to standard error, structured, at the chosen level; only the executable does this.
    func bootstrapLogging() {
        StandardErrorLogHandler.bootstrap(level: logLevel)
    }
}

/// Where the HTTP side listens; shared by `serve` and `worker`.
struct ListenOptions: ParsableArguments {
    @Option(help: "The address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "The port to listen on (0 picks a free one).")
    var port: Int = 8080

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
    }

    /// The hash of `COURIER_METRICS_TOKEN`, which `/metrics` then asks for; nil when unset.
    /// From the environment, as the admin token is, so that it is not on a command line.
    static func metricsTokenHash() throws -> String? {
        guard let token = ProcessInfo.processInfo.environment["COURIER_METRICS_TOKEN"], !token.isEmpty else { return nil }
        return try CourierServer.configuredTokenHash(token, variable: "COURIER_METRICS_TOKEN", refusingShort: true)
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// The retention period's bounds, in days.
enum RetentionOption {
    /// As long as Convoy's default, and long enough for a person to look into a failure that
    /// lasted a holiday and resend what it left.
    static let defaultDays: Double = 30
    /// A hundred years: beyond it a setting is a typo (use 0 to keep everything).
    static let longestDays: Double = 36500
}
