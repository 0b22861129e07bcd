import ArgumentParser
import Courier
import CourierPostgres
import CourierServer
import CourierSQLite
import Foundation
import Histogram
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// `courier bench`: measures delivery in this process, on this machine.
///
/// Events are published through the library (or, with `--http`, through the HTTP API) into a
/// fresh SQLite store (or, with `--postgres`, a fresh PostgreSQL database), and delivered by the real engine over real loopback HTTP to a built-in
/// receiver. It reports rates, latency percentiles (HdrHistogram), CPU seconds per 1,000
/// deliveries and peak memory; everything runs in one process, so the CPU figure includes the
/// receiver (and the HTTP client with `--http`). With `--ceiling` it first measures the
/// receiver's loopback ceiling with `wrk`, so that the delivery rate can be read as a
/// fraction of it. Benchmarks are not tests: nothing here asserts a time.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Measure end-to-end delivery on this machine.")

    enum Scenario: String, ExpressibleByArgument, CaseIterable {
        /// Publish everything, then measure how fast it drains.
        case unbatched
        /// Publish one event at a time at a steady `--rate` and measure publish → arrival.
        case latency
        /// Drain `--events` from an empty store, then `--backlog` more that were all pending at once.
        case backlog
        /// Publish everything while the endpoint is paused, then time the drain in batches of `--batch-size`.
        case batched
    }

    @Option(help: "unbatched (drain rate), latency (steady rate, publish → arrival), backlog (drain rate with a large backlog) or batched.")
    var scenario: Scenario = .unbatched

    @Option(help: "How many events to publish.")
    var events: Int = 20_000

    @Option(help: "Events per second in the latency scenario.")
    var rate: Int = 1_000

    @Option(help: "How many pending deliveries the backlog scenario drains.")
    var backlog: Int = 1_000_000

    @Option(help: "maxSize of the benchmark endpoint's batches in the batched scenario.")
    var batchSize: Int = 200

    @Option(help: "Events per publish call.")
    var publishBatch: Int = 1_000

    @Option(help: "maxInFlight of the benchmark endpoint.")
    var maxInFlight: Int = 64

    @Option(help: "SQLite durability: full (the default) or normal.")
    var durability: DurabilityOption?

    @Option(help: "Bench PostgreSQL instead of SQLite: a database of the bench's own is made on the server this URL names (postgres://user:password@host:5432/database; the user needs CREATEDB), and dropped afterwards.")
    var postgres: String?

    @Flag(help: "Publish through the HTTP API (POST /v1/events) instead of the library.")
    var http = false

    @Flag(help: "First measure the receiver's ceiling with wrk (same connection count).")
    var ceiling = false

    @Flag(help: "Time the SQLite writer's statements during the scenario and list those that took the most.")
    var statements = false

    @Option(help: "Deliver to this URL instead of the built-in receiver (latency is then not measured).")
    var url: String?

    @Option(help: "Also write the results as JSON to this file.")
    var json: String?

    func validate() throws {
        guard events > 0, publishBatch > 0, publishBatch <= 1000 else {
            throw ValidationError("--events must be positive and --publish-batch from 1 to 1000")
        }
        guard (1...1000).contains(maxInFlight) else { throw ValidationError("--max-in-flight must be from 1 to 1000") }
        guard (1...100_000).contains(rate) else { throw ValidationError("--rate must be from 1 to 100000") }
        guard backlog > 0 else { throw ValidationError("--backlog must be positive") }
        guard (1...BatchPolicy.sizeLimit).contains(batchSize) else { throw ValidationError("--batch-size must be from 1 to 1000") }
        if postgres != nil, durability != nil || statements {
            throw ValidationError("--durability and --statements are SQLite's: with --postgres, the server's settings decide durability")
        }
        if scenario == .backlog, url != nil {
            throw ValidationError("the backlog scenario counts arrivals at its own receiver: leave out --url")
        }
    }

    func run() async throws {
        // Before the run, not after it: a path that cannot be written would lose its figures.
        // Its folder is asked, not the file made, which would empty an earlier report.
        if let json {
            let folder = URL(fileURLWithPath: json).deletingLastPathComponent().path
            guard access(folder, W_OK) == 0 else { throw CommandFailure("--json: cannot write \(json) (does its folder exist?)") }
        }
        // As `courier serve` logs and keeps metrics, so that the API, the engine and the
        // receiver cost here what they cost there.
        StandardErrorLogHandler.bootstrap(level: .warning)
        _ = EngineOptions.bootstrapMetrics()
        var logger = Logger(label: "courier.bench")
        logger.logLevel = .warning
        let opened = try await BenchStore.open(postgres: postgres, durability: (durability ?? .full).durability, logger: logger)
        let store = opened.store
        // Ctrl-C in a long run: the store it made goes with it.
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        let watcher = Task {
            for await signal in signals {
                note("interrupted: removing the benchmark's store")
                await opened.discard()
                Foundation.exit(128 + signal.rawValue)
            }
        }
        defer { watcher.cancel() }

        // A million arrival times would cost the memory the backlog scenario measures.
        let receiver = BenchReceiver(keepsArrivals: scenario != .backlog)
        let (ports, portContinuation) = AsyncStream<(String, Int)>.makeStream()
        var services: [any Service] = [
            receiver.application { channel in portContinuation.yield(("receiver", channel.localAddress?.port ?? 0)) },
            // The built-in receiver is on loopback.
            DeliveryEngine(store: store, configuration: .init(allowsPrivateTargets: true), logger: logger),
        ]
        let token = "bench-\(UUID().uuidString)"
        if http {
            services.append(CourierServer.makeApplication(
                store: store, configuration: .init(host: "127.0.0.1", port: 0, allowsPrivateTargets: true),
                adminTokenHash: TokenSecret.hash(token),
                logger: logger, onServerRunning: { channel in portContinuation.yield(("api", channel.localAddress?.port ?? 0)) }
            ))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [], logger: logger))
        let running = Task { try await group.run() }
        var client: DeliveryHTTPClient?
        var report = BenchReport()
        /// Ends what this command started, whether the scenario finished or failed: the client's
        /// connections, and the store, which copies its log back into its file only on close.
        func finish() async {
            await client?.shutdown()
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            await opened.close()
        }
        do {
            var listening: [String: Int] = [:]
            for await (name, port) in ports {
                listening[name] = port
                if listening.count == (http ? 2 : 1) { break }
            }
            let receiverURL = "http://127.0.0.1:\(listening["receiver"] ?? 0)/hook"

            report.add("scenario", .string(scenario.rawValue), label: "scenario", text: "\(scenario.title), \(opened.description)")
            report.object.append("store", .string(opened.sqlite == nil ? "postgresql" : "sqlite"))
            if opened.sqlite != nil { report.object.append("durability", .string((durability ?? .full).rawValue)) }
            report.add("events", .integer(events), label: "events", text: "\(events)  (maxInFlight \(maxInFlight)\(http ? ", published over HTTP" : ""))")
            report.object.append("maxInFlight", .integer(maxInFlight))
            var ceilingRate: Double?
            if ceiling {
                ceilingRate = try BenchCeiling.measure(url: receiverURL, connections: maxInFlight)
                if let ceilingRate {
                    report.rate("ceilingPerSecond", ceilingRate, label: "receiver ceiling", unit: "requests")
                } else {
                    report.line("receiver ceiling", "not measured: wrk is not installed")
                }
            }

            let now = Date()
            let endpoint = Endpoint(
                id: Identifier.make("ep"), tenantID: Tenant.defaultID, url: url ?? receiverURL, eventTypes: [.all],
                secret: WebhookSecret.generate().description,
                batch: scenario == .batched ? BatchPolicy(maxSize: batchSize, maxWaitMs: 100) : nil,
                maxInFlight: maxInFlight, createdAt: now, updatedAt: now
            )
            try await store.insertEndpoint(endpoint)
            let publisher: Publisher
            if http {
                // Courier's own client, whose per-request cost is a fraction of a general-purpose
                // client's: on two cores the load generator's CPU is taken from the server it
                // measures (BENCHMARKS.md, "The benchmark's own client").
                let api = DeliveryHTTPClient(configuration: .init(responseBodyLimit: 1 << 24))
                client = api
                guard let target = HTTPRequestTarget(url: "http://127.0.0.1:\(listening["api"] ?? 0)/v1/events") else {
                    throw CommandFailure("cannot make the API's URL")
                }
                publisher = .http(api, target: target, token: token)
            } else {
                client = nil
                publisher = .library(store)
            }
            let bench = Bench(store: store, receiver: receiver, publisher: publisher, measuresArrival: url == nil)
            let usageBefore = Usage.now()
            if statements { opened.sqlite?.writerStatementTimes.start() }
            var delivered = events
            switch scenario {
            case .unbatched:
                let burst = try await bench.burst(events, batch: publishBatch, from: 0)
                report.rate("publishPerSecond", burst.publishRate, label: "publish", unit: "events")
                report.rate("deliveredPerSecond", burst.deliveredRate, label: "delivered", unit: "deliveries")
                if let ceilingRate {
                    report.add("ofCeiling", .double((burst.deliveredRate / ceilingRate * 100).rounded() / 100), label: "of the ceiling",
                               text: String(format: "%.2f", burst.deliveredRate / ceilingRate))
                }
                if let latency = burst.latency { report.percentiles("latencyMicroseconds", latency, label: "publish → arrival") }
            case .latency:
                let steady = try await bench.steady(events, rate: rate)
                report.rate("publishPerSecond", Double(rate), label: "rate", unit: "events")
                report.percentiles("publishLatencyMicroseconds", steady.publishCall, label: http ? "POST /v1/events" : "publish call")
                if let latency = steady.latency { report.percentiles("latencyMicroseconds", latency, label: "publish → arrival") }
            case .batched:
                let drained = try await bench.backlog(events, batch: publishBatch, from: 0, endpoint: endpoint, batchSize: batchSize)
                report.rate("publishPerSecond", drained.publishRate, label: "publish", unit: "events")
                report.rate("deliveredPerSecond", drained.deliveredRate, label: "delivered", unit: "events")
                report.rate("requestsPerSecond", drained.deliveredRate / Double(batchSize), label: "requests", unit: "batches")
            case .backlog:
                let empty = try await bench.burst(events, batch: publishBatch, from: 0)
                report.rate("emptyStorePerSecond", empty.deliveredRate, label: "drain, empty store", unit: "deliveries")
                let drained = try await bench.backlog(backlog, batch: publishBatch, from: events, endpoint: endpoint)
                delivered += backlog
                report.rate("backlogPublishPerSecond", drained.publishRate, label: "fill backlog", unit: "events")
                report.rate("backlogPerSecond", drained.deliveredRate, label: "drain, \(BenchReport.grouped(Double(backlog))) pending", unit: "deliveries")
                report.line("  per tenth", drained.windows.map { BenchReport.grouped($0) }.joined(separator: " "))
                report.object.append("backlogWindowsPerSecond", .array(drained.windows.map { .double($0.rounded()) }))
                report.add("backlogRatio", .double((drained.deliveredRate / empty.deliveredRate * 100).rounded() / 100),
                           label: "backlog / empty", text: String(format: "%.2f", drained.deliveredRate / empty.deliveredRate))
            }
            let usageAfter = Usage.now()
            if statements, let sqlite = opened.sqlite { report.statements(sqlite.writerStatementTimes.stop(), per: delivered) }
            let cpu = (usageAfter.cpu - usageBefore.cpu) / Double(delivered) * 1000
            report.add("cpuSecondsPer1000", .double((cpu * 1000).rounded() / 1000), label: "CPU per 1,000",
                       text: String(format: "%.3f s (all in this process: receiver%@ included%@)", cpu, http ? ", HTTP client" : "",
                                    opened.sqlite == nil ? "; PostgreSQL's server not" : ""))
            report.add("peakResidentMegabytes", .double(usageAfter.peakMegabytes.rounded()), label: "peak RSS",
                       text: String(format: "%.0f MB", usageAfter.peakMegabytes))
        } catch {
            await finish()
            throw error
        }
        await finish()

        say(report.table)
        if let json {
            try Data(JSONValue.object(report.object).bytes).write(to: URL(fileURLWithPath: json))
        }
    }
}

extension BenchCommand.Scenario {
    var title: String {
        switch self {
        case .unbatched: "unbatched end to end (publish → signed request → 2xx recorded)"
        case .latency: "latency at a steady rate (publish → arrival at the receiver)"
        case .backlog: "drain rate with a large backlog against an empty store"
        case .batched: "batched drain (events published while paused, then delivered in batches)"
        }
    }
}
