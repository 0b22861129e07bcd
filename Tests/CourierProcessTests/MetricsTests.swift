import Courier
import CourierTesting
import Foundation
import Testing

/// `/metrics` read by an independent Prometheus text parser (Python's `prometheus_client`,
/// installed by `scripts/test`), with values checked against what the test did. Every family
/// must carry its `# HELP` text: the parser's reading of it, not ours.
@Suite struct MetricsTests {
    static let parser = #"""
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        values = {}
        for family in text_string_to_metric_families(open(sys.argv[1]).read()):
            if not family.documentation:
                values["undocumented " + family.name] = 1
            for sample in family.samples:
                labels = ",".join("%s=%s" % item for item in sorted(sample.labels.items()))
                values[sample.name + ("{" + labels + "}" if labels else "")] = sample.value
        print(json.dumps(values))
        """#

    @Test func metricsCountEventsAttemptsAndTheBacklogByTenantAndEndpoint() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // The third request is refused: two successes and one rejection.
        let receiver = try await RecordingReceiver.start { _, count in
            count == 2 ? RecordingReceiver.Reply(status: 400) : .ok
        }
        defer { Task { await receiver.stop() } }
        let server = try CourierProcess(database: directory.path("courier.db"), arguments: ["--metrics-interval", "0.1"])
        let api = try await server.start()
        let hook = try #require(try await api.post(
            "/v1/endpoints", #"{"url":"\#(receiver.url)/hook","eventTypes":["m.*"],"maxInFlight":1}"#
        )["id"]?.stringValue)
        // A paused endpoint keeps its two deliveries pending: the backlog.
        let held = try #require(try await api.post("/v1/endpoints", #"{"url":"\#(receiver.url)/held","eventTypes":["h.*"]}"#)["id"]?.stringValue)
        #expect(try await api.post("/v1/endpoints/\(held)/pause").status == 200)
        for i in 0..<3 {
            #expect(try await api.post("/v1/events", #"{"type":"m.t","idempotencyKey":"k\#(i)"}"#).status == 202)
        }
        // A duplicate is not counted as accepted.
        #expect(try await api.post("/v1/events", #"{"type":"m.t","idempotencyKey":"k0"}"#)["duplicate"] == .bool(true))
        #expect(try await api.post("/v1/events", #"[{"type":"h.a"},{"type":"h.b"}]"#).status == 202)
        try await receiver.waitForRequests(3)

        let hookLabels = "endpoint=\(hook),"
        var values: [String: Double] = [:]
        let deadline = ContinuousClock.now + .seconds(20)
        repeat {
            let answer = try await api.withToken(nil).get("/metrics")
            #expect(answer.status == 200)
            values = try await parse(answer.text)
            if values["courier_attempts_total{\(hookLabels)outcome=rejected,tenant=default}"] == 1,
               values["courier_endpoint_backlog_deliveries{endpoint=\(held),tenant=default}"] == 2,
               values["courier_deliveries_finished_total{\(hookLabels)state=succeeded,tenant=default}"] == 2,
               // The backlog is sampled: wait for a sample taken after the last delivery.
               values["courier_backlog_deliveries{state=pending,tenant=default}"] == 2,
               (values["courier_endpoint_backlog_deliveries{endpoint=\(hook),tenant=default}"] ?? 0) == 0 { break }
            try await Task.sleep(for: .milliseconds(50))
        } while ContinuousClock.now < deadline
        #expect(values["courier_events_accepted_total{tenant=default}"] == 5, "\(values)")
        #expect(values["courier_attempts_total{\(hookLabels)outcome=succeeded,tenant=default}"] == 2, "\(values)")
        #expect(values["courier_attempts_total{\(hookLabels)outcome=rejected,tenant=default}"] == 1, "\(values)")
        #expect(values["courier_deliveries_finished_total{\(hookLabels)state=succeeded,tenant=default}"] == 2, "\(values)")
        #expect(values["courier_deliveries_finished_total{\(hookLabels)state=rejected,tenant=default}"] == 1, "\(values)")
        #expect(!values.keys.contains { $0.hasPrefix("courier_deliveries_finished_total") && $0.contains("state=batched") }, "batched is not an end")
        #expect(values["courier_attempt_duration_seconds_count{endpoint=\(hook),tenant=default}"] == 3, "\(values)")
        #expect(values["courier_claim_lag_seconds_count"] == 3, "every claimed delivery: \(values)")
        // The backlog, sampled from the store: the paused endpoint's two, and the drained one at 0.
        #expect(values["courier_backlog_deliveries{state=pending,tenant=default}"] == 2, "\(values)")
        #expect(values["courier_endpoint_backlog_deliveries{endpoint=\(held),tenant=default}"] == 2, "\(values)")
        #expect((values["courier_endpoint_backlog_deliveries{endpoint=\(hook),tenant=default}"] ?? 0) == 0, "drained: \(values)")
        #expect(values["courier_endpoints{condition=paused,tenant=default}"] == 1, "\(values)")
        #expect(values["courier_endpoints{condition=active,tenant=default}"] == 1, "\(values)")
        server.kill(SIGTERM)
        #expect(try await server.waitForExit() == 0)
    }

    /// With `COURIER_METRICS_TOKEN` set, `/metrics` shows its tenants and endpoint ids only to
    /// a scraper with that token; `/healthz` still needs none.
    @Test func aMetricsTokenKeepsTheLabelsFromAnyoneWithoutIt() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try CourierProcess(database: directory.path("courier.db"))
        let token = "scrape-token-for-prometheus"
        server.environment["COURIER_METRICS_TOKEN"] = token
        let api = try await server.start()
        #expect(try await api.post("/v1/events", #"{"type":"m.t"}"#).status == 202)
        for refused in [nil, "wrong-token-of-some-length", CourierProcess.adminToken] {
            let answer = try await api.withToken(refused).get("/metrics")
            #expect(answer.status == 401 && !answer.text.contains("tenant="), "\(refused ?? "no token"): \(answer.status) \(answer.text)")
        }
        let scraped = try await api.withToken(token).get("/metrics")
        #expect(scraped.status == 200)
        #expect(try await parse(scraped.text)["courier_events_accepted_total{tenant=default}"] == 1)
        #expect(try await api.withToken(nil).get("/healthz").status == 200)
        server.kill(SIGTERM)
        #expect(try await server.waitForExit() == 0)

        // Too short to be a secret: refused before anything starts.
        let short = try CourierProcess(database: directory.path("short.db"))
        short.environment["COURIER_METRICS_TOKEN"] = "short"
        await #expect(throws: (any Error).self) { try await short.start() }
        #expect(short.output.contains("COURIER_METRICS_TOKEN must be at least 16 characters"), "\(short.output)")
    }

    enum StoreKind: String, CaseIterable { case sqlite, postgres }

    /// The store's own timings, from both stores: how long writes waited for their turn, and
    /// how long commits took, apart for those that waited for the disk.
    @Test(arguments: StoreKind.allCases)
    func storeMetricsTimeWritesWaitsAndCommits(_ kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store: [String]
        switch kind {
        case .sqlite:
            // `full`, the default, so that publishes wait for the disk and claims do not.
            store = ["--db", directory.path("courier.db"), "--durability", "full"]
        case .postgres:
            guard PostgresTestDatabase.isAvailable else { return }
            let url = try await PostgresTestDatabase.create()
            store = ["--postgres", url]
        }
        defer { if case .postgres = kind, let url = store.last { PostgresTestDatabase.drop(url) } }
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }
        let server = try CourierProcess(command: "serve", store: store)
        let api = try await server.start()
        #expect(try await api.post("/v1/endpoints", #"{"url":"\#(receiver.url)/hook","eventTypes":["s.*"]}"#).status == 201)
        for _ in 0..<3 {
            #expect(try await api.post("/v1/events", #"{"type":"s.t"}"#).status == 202)
        }
        try await receiver.waitForRequests(3)

        var values: [String: Double] = [:]
        let deadline = ContinuousClock.now + .seconds(20)
        repeat {
            values = try await parse(try await api.withToken(nil).get("/metrics").text)
            // The attempts' records commit after the requests arrive, without waiting for the disk.
            if (values["courier_store_commit_seconds_count{durable=false}"] ?? 0) >= 1 { break }
            try await Task.sleep(for: .milliseconds(50))
        } while ContinuousClock.now < deadline
        // The endpoint, the three events: each its own durable commit, having waited its turn.
        #expect((values["courier_store_commit_seconds_count{durable=true}"] ?? 0) >= 4, "\(values)")
        #expect((values["courier_store_commit_seconds_count{durable=false}"] ?? 0) >= 1, "\(values)")
        #expect((values["courier_store_wait_seconds_count"] ?? 0) >= 4, "\(values)")
        #expect((values["courier_store_wait_seconds_sum"] ?? -1) >= 0, "\(values)")
        // Buckets below a millisecond, where a healthy disk's commits fall.
        #expect(values["courier_store_commit_seconds_bucket{durable=true,le=0.0001}"] != nil, "\(values.keys.sorted())")
        server.kill(SIGTERM)
        #expect(try await server.waitForExit() == 0)
    }

    private func parse(_ text: String) async throws -> [String: Double] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).txt")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let output = try await ExternalCommand.run(["python3", "-c", Self.parser, file.path])
        #expect(output.status == 0, "python3 with prometheus_client is needed (scripts/test installs it): \(output.text)")
        let json = try JSONParser.parse(output.text)
        var values: [String: Double] = [:]
        for field in json.objectValue?.fields ?? [] {
            values[field.key] = field.value.doubleValue
        }
        let undocumented = values.keys.filter { $0.hasPrefix("undocumented ") }.sorted()
        #expect(undocumented == [], "families without a text in MetricHelp")
        #expect(!values.isEmpty)
        return values
    }
}
