import Courier
import CourierTesting
import Foundation
import Testing

/// Several real Courier processes on one real PostgreSQL database.
@Suite(.serialized, .enabled(if: PostgresTestDatabase.isAvailable, "needs PostgreSQL (scripts/test starts one)"))
struct MultiNodeTests {
    /// Short leases so that a killed node's work moves on within the test's patience.
    static let fast = ["--lease", "3", "--request-timeout", "2", "--shutdown-grace", "2"]

    static func node(_ command: String, _ url: String) throws -> CourierProcess {
        try CourierProcess(command: command, store: ["--postgres", url], arguments: fast)
    }

    @Test func threeNodesOneKilledEveryEventDelivered() async throws {
        let url = try await PostgresTestDatabase.create()
        defer { PostgresTestDatabase.drop(url) }
        // A slow receiver keeps every node holding requests when the kill lands.
        let receiver = try await RecordingReceiver.start { _, _ in RecordingReceiver.Reply(delay: .milliseconds(200)) }
        defer { Task { await receiver.stop() } }

        let server = try Self.node("serve", url)
        let api = try await server.start().withToken(CourierProcess.adminToken)
        let workers = try (0..<2).map { _ in try Self.node("worker", url) }
        for worker in workers {
            let health = try await worker.start()
            #expect(try await health.get("/healthz").status == 200)
            let metrics = try await health.get("/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.headers.contains { $0.name.lowercased() == "content-type" && $0.value.hasPrefix("text/plain") })
        }
        let created = try await api.post("/v1/endpoints", #"{"url":"\#(receiver.url)/hook","eventTypes":["*"],"maxInFlight":8}"#)
        #expect(created.status == 201, "\(created.text)")
        let accepted = try await ProcessTestEvents.publish(api, type: "node.test", inArraysOf: Array(repeating: 50, count: 3))
        #expect(accepted.count == 150)

        try await receiver.waitForRequests(24)
        workers[0].kill(SIGKILL)
        #expect(try await workers[0].waitForExit() == SIGKILL)

        let delivered = try await ProcessTestEvents.waitForAll(accepted, at: receiver, timeout: .seconds(90))
        #expect(delivered.isSuperset(of: accepted), "missing \(accepted.subtracting(delivered).count) events")
        // Only what the dead node held can be sent twice, and maxInFlight bounds that.
        let duplicates = receiver.requests().count - delivered.count
        #expect(duplicates <= 8, "\(duplicates) duplicates")
        // maxInFlight held across the nodes all along.
        #expect(receiver.peakConcurrency <= 8, "peak \(receiver.peakConcurrency): \(receiver.requestsAtPeak)")

        for node in [server, workers[1]] { node.kill(SIGTERM) }
        #expect(try await server.waitForExit() == 0, "\(server.output)")
        #expect(try await workers[1].waitForExit() == 0, "\(workers[1].output)")
    }

    /// On PostgreSQL no node clears another's leases when it starts: requests cut off at the end
    /// of a node's shutdown grace must end their own, or the deliveries wait out the lease (a
    /// minute here). Their attempts are on record too.
    @Test func requestsCutOffAtTheEndOfTheGraceEndTheirLeases() async throws {
        let url = try await PostgresTestDatabase.create()
        defer { PostgresTestDatabase.drop(url) }
        try await ShutdownCutOff.check(store: ["--postgres", url])
    }

    @Test func maxInFlightHoldsAcrossNodesAtTheReceiver() async throws {
        let url = try await PostgresTestDatabase.create()
        defer { PostgresTestDatabase.drop(url) }
        let receiver = try await RecordingReceiver.start { _, _ in RecordingReceiver.Reply(delay: .milliseconds(100)) }
        defer { Task { await receiver.stop() } }
        let nodes = try [Self.node("serve", url), Self.node("worker", url), Self.node("worker", url)]
        var api: APIClient?
        for node in nodes {
            let client = try await node.start()
            if api == nil { api = client.withToken(CourierProcess.adminToken) }
        }
        let created = try await api!.post("/v1/endpoints", #"{"url":"\#(receiver.url)/hook","eventTypes":["*"],"maxInFlight":3}"#)
        #expect(created.status == 201)
        let accepted = try await ProcessTestEvents.publish(api!, type: "node.test", inArraysOf: [60])
        let delivered = try await ProcessTestEvents.waitForAll(accepted, at: receiver, timeout: .seconds(90))
        #expect(delivered == accepted)
        #expect(
            receiver.peakConcurrency <= 3,
            "peak \(receiver.peakConcurrency) with maxInFlight 3 on three nodes; \(receiver.requests().count) requests for \(accepted.count) events; at the peak: \(receiver.requestsAtPeak)"
        )
        #expect(receiver.peakConcurrency >= 2, "the nodes should have sent in parallel")
        for node in nodes { node.kill(SIGTERM) }
        for node in nodes { #expect(try await node.waitForExit() == 0) }
    }

    @Test(.enabled(if: PrivatePostgresCluster.isAvailable))
    func aDatabaseOutageIsSurvivedAndNothingAcceptedIsLost() async throws {
        let cluster = try await PrivatePostgresCluster()
        do {
            try await survivesAnOutage(of: cluster)
        } catch {
            await cluster.destroy()
            throw error
        }
        await cluster.destroy()
    }

    private func survivesAnOutage(of cluster: PrivatePostgresCluster) async throws {
        // Slow enough that requests and their records are under way when the database goes.
        let receiver = try await RecordingReceiver.start { _, _ in RecordingReceiver.Reply(delay: .milliseconds(100)) }
        defer { Task { await receiver.stop() } }
        let server = try Self.node("serve", cluster.url)
        let api = try await server.start().withToken(CourierProcess.adminToken)
        _ = try await api.post("/v1/endpoints", #"{"url":"\#(receiver.url)/hook","eventTypes":["*"]}"#)
        var accepted = try await ProcessTestEvents.publish(api, type: "node.test", inArraysOf: Array(repeating: 50, count: 2))
        try await receiver.waitForRequests(10)

        try await cluster.stop()
        // While the database is away, the API says so with 503, never 500, and stores nothing.
        let during = try await api.post("/v1/events", #"{"type":"during.outage"}"#)
        #expect(during.status == 503, "\(during.status) \(during.text)")
        #expect(during.errorCode == "store_unavailable")
        #expect(try await api.get("/v1/deliveries").status == 503)
        try await cluster.start()

        // Once it is back, the node reconnects by itself.
        let deadline = ContinuousClock.now + .seconds(30)
        var afterStatus = 0
        while ContinuousClock.now < deadline {
            let after = try await api.post("/v1/events", #"{"type":"after.outage"}"#)
            afterStatus = after.status
            if after.status == 202, let id = after["id"]?.stringValue {
                accepted.insert(id)
                break
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(afterStatus == 202)
        let delivered = try await ProcessTestEvents.waitForAll(accepted, at: receiver, timeout: .seconds(90))
        #expect(delivered.isSuperset(of: accepted), "missing \(accepted.subtracting(delivered).count) events; server said: \(server.output.suffix(3000))")
        // Failing claims are said once for the endpoint, not every second of the outage.
        let claimFailures = server.output.components(separatedBy: "claim failed").count - 1
        #expect(claimFailures <= 1, "\(claimFailures) lines of claim failures: \(server.output.suffix(3000))")

        // Stopped while the database is away again, with attempts under way, the node stops
        // rather than wait for the database (70 s and more before): its records are given up
        // and go again once their leases end. The services abandon their reads as they stop
        // (each waited out one store call of 10 s before); the engine may still wait one to
        // give its leases back, hence 30 s of patience.
        let before = receiver.requests().count
        _ = try await ProcessTestEvents.publish(api, type: "node.late", inArraysOf: [50])
        try await receiver.waitForRequests(before + 5)
        try await cluster.stop()
        server.kill(SIGTERM)
        #expect(try await server.waitForExit(timeout: .seconds(30)) == 0, "\(server.output.suffix(3000))")
    }
}
