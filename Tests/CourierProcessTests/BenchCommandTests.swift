import Courier
import CourierTesting
import Foundation
import Testing

/// `courier bench` runs and reports every figure it promises. Only that it works is checked
/// here, never how fast: benchmarks are not tests.
@Suite struct BenchCommandTests {
    @Test func unbatchedReportsRateLatencyAndCeiling() async throws {
        let results = try await bench(["--scenario", "unbatched", "--events", "300", "--ceiling", "--statements"])
        #expect(results["scenario"]?.stringValue == "unbatched")
        #expect(results["events"] == .integer(300))
        #expect((results["deliveredPerSecond"]?.doubleValue ?? 0) > 0)
        #expect((results["publishPerSecond"]?.doubleValue ?? 0) > 0)
        try expectPercentiles(results["latencyMicroseconds"])
        // With --statements: the writer's statements, among them one insert per event.
        let listed = try #require(results["writerStatements"]?.arrayValue)
        let statements = listed.compactMap(\.objectValue)
        let inserts = try #require(statements.first { $0["sql"]?.stringValue?.hasPrefix("INSERT INTO events") == true })
        #expect(inserts["count"] == .integer(300), "\(inserts)")
        let longest = try #require(inserts["longestSeconds"]?.doubleValue)
        #expect(longest > 0 && longest <= (inserts["seconds"]?.doubleValue ?? 0), "\(inserts)")
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk") {
            #expect((results["ceilingPerSecond"]?.doubleValue ?? 0) > 0)
            #expect((results["ofCeiling"]?.doubleValue ?? 0) > 0)
        }
    }

    @Test func latencyOverHTTPReportsTheCallAndTheArrival() async throws {
        let results = try await bench(["--scenario", "latency", "--events", "100", "--rate", "500", "--http"])
        #expect(results["scenario"]?.stringValue == "latency")
        try expectPercentiles(results["publishLatencyMicroseconds"])
        try expectPercentiles(results["latencyMicroseconds"])
    }

    /// Arrays of 1,000 events over HTTP: the API's answer (an id for each) is longer than a
    /// delivery's answer is kept, so the bench's client must read it whole.
    @Test func unbatchedOverHTTPPublishesInArraysOfAThousand() async throws {
        let results = try await bench(["--scenario", "unbatched", "--events", "2000", "--http"])
        #expect(results["events"] == .integer(2000))
        #expect((results["deliveredPerSecond"]?.doubleValue ?? 0) > 0)
        try expectPercentiles(results["latencyMicroseconds"])
    }

    @Test func backlogReportsBothRatesAndTenWindows() async throws {
        let results = try await bench(["--scenario", "backlog", "--events", "200", "--backlog", "1000"])
        #expect((results["emptyStorePerSecond"]?.doubleValue ?? 0) > 0)
        #expect((results["backlogPerSecond"]?.doubleValue ?? 0) > 0)
        #expect(results["backlogWindowsPerSecond"]?.arrayValue?.count == 10)
        #expect((results["backlogRatio"]?.doubleValue ?? 0) > 0)
    }

    /// On PostgreSQL the bench makes a database of its own for each run, and drops it after.
    /// One test runs both scenarios, so that no other run's database is there when it counts.
    @Test(.enabled(if: PostgresTestDatabase.isAvailable))
    func postgresRunsEachInADatabaseOfItsOwnAndDropsIt() async throws {
        let server = try #require(PostgresTestDatabase.serverURL)
        let unbatched = try await bench(["--scenario", "unbatched", "--events", "300", "--postgres", server], durability: nil)
        #expect(unbatched["store"]?.stringValue == "postgresql")
        #expect(unbatched["durability"] == nil)
        #expect(unbatched["events"] == .integer(300))
        #expect((unbatched["deliveredPerSecond"]?.doubleValue ?? 0) > 0)
        try expectPercentiles(unbatched["latencyMicroseconds"])

        let batched = try await bench(
            ["--scenario", "batched", "--events", "1000", "--batch-size", "50", "--http", "--postgres", server], durability: nil
        )
        #expect((batched["deliveredPerSecond"]?.doubleValue ?? 0) > 0)
        #expect((batched["requestsPerSecond"]?.doubleValue ?? 0) > 0)

        let listed = try await ExternalCommand.run(
            ["psql", server, "-Atc", "SELECT count(*) FROM pg_database WHERE datname LIKE 'courier\\_bench\\_%'"]
        )
        #expect(listed.status == 0, "\(listed.text)")
        #expect(listed.text.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(listed.text)")

        // A user who may not make databases is told so, in the server's words.
        let role = "bench_without_createdb"
        try await PostgresTestDatabase.psql(server, "DROP ROLE IF EXISTS \(role); CREATE ROLE \(role) LOGIN NOCREATEDB")
        var components = try #require(URLComponents(string: server))
        components.user = role
        components.password = nil
        let refused = try await ExternalCommand.run([CourierProcess.binary, "bench", "--events", "10", "--postgres", components.string ?? server])
        #expect(refused.status == 1, "\(refused.text)")
        #expect(refused.text.hasPrefix("error: cannot make the benchmark's database: permission denied to create database"), "\(refused.text)")
        try await PostgresTestDatabase.psql(server, "DROP ROLE \(role)")
    }

    /// Ctrl-C (or SIGTERM) in a long run: the store the run made (a hundred megabytes for
    /// the latency scenario) is removed, not left in the temporary folder.
    @Test func anInterruptedRunRemovesItsStore() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let output = directory.path("bench.out")
        var environment = ProcessInfo.processInfo.environment
        environment["TMPDIR"] = directory.path("tmp")
        try FileManager.default.createDirectory(atPath: directory.path("tmp"), withIntermediateDirectories: true)
        let bench = try ChildProcess(
            executable: CourierProcess.binary, arguments: ["bench", "--scenario", "latency", "--events", "100000"],
            environment: environment, output: output
        )
        // Under way once its store is there.
        let deadline = ContinuousClock.now + .seconds(30)
        while try FileManager.default.contentsOfDirectory(atPath: directory.path("tmp")).isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(300))
        bench.signal(SIGTERM)
        #expect(await bench.termination() == .exited(143), "\((try? String(contentsOfFile: output, encoding: .utf8)) ?? "")")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path("tmp")).isEmpty, "the run's store is gone")
    }

    @Test func badOptionsAreRefused() async throws {
        let output = try await ExternalCommand.run([CourierProcess.binary, "bench", "--scenario", "backlog", "--url", "http://127.0.0.1:9/"])
        #expect(output.status != 0)
        #expect(output.text.contains("backlog scenario"), "\(output.text)")
        for sqliteOnly in [["--statements"], ["--durability", "normal"]] {
            let refused = try await ExternalCommand.run(
                [CourierProcess.binary, "bench", "--postgres", "postgres://nobody@127.0.0.1:9/none"] + sqliteOnly
            )
            #expect(refused.status != 0)
            #expect(refused.text.contains("SQLite's"), "\(refused.text)")
        }
        // A server that is not there is a clear failure, not a hang.
        let unreachable = try await ExternalCommand.run(
            [CourierProcess.binary, "bench", "--events", "10", "--postgres", "postgres://nobody@127.0.0.1:9/none"]
        )
        #expect(unreachable.status != 0)
        // A report that could not be written is refused before the run, not after it.
        let nowhere = try await ExternalCommand.run([CourierProcess.binary, "bench", "--events", "100000", "--json", "/nonexistent/folder/b.json"])
        #expect(nowhere.status == 1 && nowhere.text.hasPrefix("error: --json: cannot write /nonexistent/folder/b.json"), "\(nowhere.text)")
    }

    private func bench(_ arguments: [String], durability: String? = "normal") async throws -> JSONObject {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let json = directory.path("bench.json")
        let output = try await ExternalCommand.run(
            [CourierProcess.binary, "bench"] + arguments + (durability.map { ["--durability", $0] } ?? []) + ["--json", json]
        )
        #expect(output.status == 0, "\(output.text)")
        let results = try #require(try JSONParser.parse(Array(Data(contentsOf: URL(fileURLWithPath: json)))).objectValue)
        #expect((results["peakResidentMegabytes"]?.doubleValue ?? 0) > 0)
        #expect((results["cpuSecondsPer1000"]?.doubleValue ?? 0) > 0)
        return results
    }

    private func expectPercentiles(_ value: JSONValue?, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let figures = try #require(value?.objectValue, sourceLocation: sourceLocation)
        #expect(Set(figures.keys) == ["max", "p50", "p90", "p99"], sourceLocation: sourceLocation)
        #expect((figures["p50"]?.doubleValue ?? 0) > 0, sourceLocation: sourceLocation)
    }
}
