import ArgumentParser
import Courier
import CourierSQLite
import Foundation
import Histogram
import Logging
import NIOCore
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// `courier bench`: measures delivery in this process: how fast a burst drains (`unbatched`)
/// and the publish → arrival latency at a steady rate (`latency`).
///
/// It publishes through the library (no HTTP in front), delivers through the real engine, the
/// real SQLite store and real loopback HTTP to a built-in receiver, and reports the rate,
/// latency percentiles from publish to arrival (HdrHistogram), CPU seconds per 1,000
/// deliveries and peak memory. The receiver runs in the same process, so the CPU figure
/// includes it. Benchmarks are not tests: nothing here asserts a time.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Measure end-to-end delivery on this machine.")

    enum Scenario: String, ExpressibleByArgument, CaseIterable {
        /// Publish everything, then measure how fast it drains.
        case unbatched
        /// Publish one event at a time at a steady `--rate` and measure publish → arrival latency.
        case latency
    }

    @Option(help: "unbatched (drain rate) or latency (steady rate, publish → arrival).")
    var scenario: Scenario = .unbatched

    @Option(help: "How many events to publish.")
    var events: Int = 20_000

    @Option(help: "Events per second in the latency scenario.")
    var rate: Int = 1_000

    @Option(help: "Events per publish call.")
    var publishBatch: Int = 1_000

    @Option(help: "maxInFlight of the benchmark endpoint.")
    var maxInFlight: Int = 64

    @Option(help: "SQLite durability: full or normal.")
    var durability: SQLiteStore.Durability = .full

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
    }

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("courier-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try await SQLiteStore.open(path: directory.appendingPathComponent("bench.db").path, durability: durability)
        var logger = Logger(label: "courier.bench")
        logger.logLevel = .warning

        let receiver = BenchReceiver()
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = receiver.application { channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
            portContinuation.finish()
        }
        let engine = DeliveryEngine(store: store, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app, engine], gracefulShutdownSignals: [], logger: logger))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw ValidationError("the receiver did not start") }
        let target = url ?? "http://127.0.0.1:\(port)/hook"

        let now = Date()
        try await store.insertEndpoint(Endpoint(
            id: Identifier.make("ep"), tenantID: Tenant.defaultID, url: target, eventTypes: [.all],
            secret: WebhookSecret.generate().description, maxInFlight: maxInFlight, createdAt: now, updatedAt: now
        ))

        let usageBefore = Usage.now()
        let clock = ContinuousClock()
        let start = clock.now
        var published: [(id: String, at: ContinuousClock.Instant)] = []
        published.reserveCapacity(events)
        var publishLatency = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        switch scenario {
        case .unbatched:
            var remaining = events
            var index = 0
            while remaining > 0 {
                let count = min(publishBatch, remaining)
                let batch = try (0..<count).map { i in
                    try NewEvent(type: "bench.event", payload: .object(JSONObject(["i": .integer(index + i), "name": .string("event \(index + i)")])))
                }
                let results = try await store.publish(batch, tenantID: Tenant.defaultID, now: Date())
                let at = clock.now
                published.append(contentsOf: results.map { ($0.id, at) })
                remaining -= count
                index += count
            }
        case .latency:
            // One event per slot, each published on its own (as single POSTs would be), the
            // clock measured from the moment it was submitted.
            let interval = Duration.nanoseconds(1_000_000_000 / rate)
            var next = start
            for i in 0..<events {
                try await clock.sleep(until: next)
                let submitted = clock.now
                let event = try NewEvent(type: "bench.event", payload: .object(JSONObject(["i": .integer(i)])))
                let result = try await store.publish([event], tenantID: Tenant.defaultID, now: Date())
                _ = publishLatency.record(UInt64(max(0, (clock.now - submitted).microseconds)))
                published.append((result[0].id, submitted))
                next = next + interval
            }
        }
        let publishDuration = clock.now - start

        // Done when the store has recorded every delivery as succeeded.
        while try await store.countDeliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(state: .succeeded)) < events {
            try await Task.sleep(for: .milliseconds(5))
        }
        let total = clock.now - start
        let usageAfter = Usage.now()

        var histogram = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
        if url == nil {
            for event in published {
                if let arrived = receiver.arrival(of: event.id) {
                    _ = histogram.record(UInt64(max(0, (arrived - event.at).microseconds)))
                }
            }
        }

        await group.triggerGracefulShutdown()
        _ = try? await running.value
        await store.close()

        let seconds = total.seconds
        let results = Results(
            scenario: scenario.rawValue, events: events, durability: durability.rawValue.lowercased(), maxInFlight: maxInFlight,
            publishPerSecond: Double(events) / publishDuration.seconds, deliveredPerSecond: Double(events) / seconds,
            latencyMicroseconds: url == nil ? [
                "p50": histogram.valueAtPercentile(50), "p90": histogram.valueAtPercentile(90),
                "p99": histogram.valueAtPercentile(99), "max": histogram.maxRecorded,
            ] : [:],
            publishLatencyMicroseconds: scenario == .latency ? [
                "p50": publishLatency.valueAtPercentile(50), "p99": publishLatency.valueAtPercentile(99),
                "max": publishLatency.maxRecorded,
            ] : [:],
            cpuSecondsPer1000: (usageAfter.cpu - usageBefore.cpu) / Double(events) * 1000,
            peakResidentMegabytes: Double(usageAfter.maxResidentKilobytes) / 1024
        )
        print(results.table)
        if let json {
            try Data(results.json.bytes).write(to: URL(fileURLWithPath: json))
        }
    }

    struct Results {
        var scenario: String
        var events: Int
        var durability: String
        var maxInFlight: Int
        var publishPerSecond: Double
        var deliveredPerSecond: Double
        var latencyMicroseconds: [String: UInt64]
        var publishLatencyMicroseconds: [String: UInt64]
        var cpuSecondsPer1000: Double
        var peakResidentMegabytes: Double

        var table: String {
            let title = scenario == "latency"
                ? "latency at a steady rate (publish → arrival at the receiver)"
                : "unbatched end to end (publish → signed request → 2xx recorded)"
            var lines = [
                "scenario              \(title), SQLite \(durability)",
                "events                \(events)  (maxInFlight \(maxInFlight))",
                String(format: "publish               %.0f events/s", publishPerSecond),
                String(format: "delivered             %.0f deliveries/s", deliveredPerSecond),
            ]
            if !latencyMicroseconds.isEmpty {
                let ms = { (key: String) in Double(latencyMicroseconds[key] ?? 0) / 1000 }
                lines.append(String(format: "latency (ms)          p50 %.2f  p90 %.2f  p99 %.2f  max %.2f", ms("p50"), ms("p90"), ms("p99"), ms("max")))
            }
            if !publishLatencyMicroseconds.isEmpty {
                let ms = { (key: String) in Double(publishLatencyMicroseconds[key] ?? 0) / 1000 }
                lines.append(String(format: "publish call (ms)     p50 %.2f  p99 %.2f  max %.2f", ms("p50"), ms("p99"), ms("max")))
            }
            lines.append(String(format: "CPU per 1,000         %.3f s (receiver included)", cpuSecondsPer1000))
            lines.append(String(format: "peak RSS              %.0f MB", peakResidentMegabytes))
            return lines.joined(separator: "\n")
        }

        var json: JSONValue {
            var object = JSONObject()
            object.append("scenario", .string(scenario))
            object.append("events", .integer(events))
            object.append("durability", .string(durability))
            object.append("maxInFlight", .integer(maxInFlight))
            object.append("publishPerSecond", .double(publishPerSecond.rounded()))
            object.append("deliveredPerSecond", .double(deliveredPerSecond.rounded()))
            object.append("latencyMicroseconds", .object(JSONObject(latencyMicroseconds.sorted { $0.key < $1.key }.map {
                JSONObject.Field(key: $0.key, value: .integer(Int($0.value)))
            })))
            object.append("publishLatencyMicroseconds", .object(JSONObject(publishLatencyMicroseconds.sorted { $0.key < $1.key }.map {
                JSONObject.Field(key: $0.key, value: .integer(Int($0.value)))
            })))
            object.append("cpuSecondsPer1000", .double((cpuSecondsPer1000 * 1000).rounded() / 1000))
            object.append("peakResidentMegabytes", .double(peakResidentMegabytes.rounded()))
            return .object(object)
        }
    }
}

/// CPU time and peak memory of this process, from `getrusage`.
struct Usage {
    var cpu: Double
    var maxResidentKilobytes: Int

    static func now() -> Usage {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return Usage(cpu: user + system, maxResidentKilobytes: usage.ru_maxrss)
    }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    var microseconds: Int64 {
        components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000
    }
}
