import Courier
import CourierTesting
import Foundation
import Testing

/// The retention period in a running server, on both stores: a delivered event goes once its
/// period has passed, one still held by a paused endpoint stays, and the deletions are counted
/// in `/metrics`. The period here is a few seconds (a small fraction of a day), which makes
/// a pass every tenth of it.
@Suite struct RetentionTests {
    @Test(arguments: MetricsTests.StoreKind.allCases)
    func aDeliveredEventGoesAfterItsPeriodAndAHeldOneStays(_ kind: MetricsTests.StoreKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store: [String]
        switch kind {
        case .sqlite:
            store = ["--db", directory.path("courier.db"), "--durability", "normal"]
        case .postgres:
            guard PostgresTestDatabase.isAvailable else { return }
            store = ["--postgres", try await PostgresTestDatabase.create()]
        }
        defer { if case .postgres = kind, let url = store.last { PostgresTestDatabase.drop(url) } }
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }
        // 0.00003 days is about 2.6 seconds.
        let server = try CourierProcess(command: "serve", store: store, arguments: ["--retention-days", "0.00003"])
        let api = try await server.start()
        #expect(try await api.post("/v1/endpoints", #"{"url":"\#(receiver.url)/hook","eventTypes":["r.*"]}"#).status == 201)
        let held = try #require(try await api.post("/v1/endpoints", #"{"url":"\#(receiver.url)/held","eventTypes":["h.*"]}"#)["id"]?.stringValue)
        #expect(try await api.post("/v1/endpoints/\(held)/pause").status == 200)
        // The held one first: once the delivered one is gone, the held one was old enough too.
        let waiting = try #require(try await api.post("/v1/events", #"{"type":"h.waiting"}"#)["id"]?.stringValue)
        let delivered = try #require(try await api.post("/v1/events", #"{"type":"r.done"}"#)["id"]?.stringValue)
        try await receiver.waitForRequests(1)

        var gone = false
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if try await api.get("/v1/events/\(delivered)").status == 404 { gone = true; break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(gone, "the delivered event is deleted once its period has passed")
        #expect(try await api.get("/v1/deliveries?event=\(delivered)")["data"] == .array([]), "with its delivery")
        #expect(try await api.get("/v1/events/\(waiting)").status == 200, "the held one stays")
        let kept = try await api.get("/v1/deliveries?event=\(waiting)")
        #expect(kept["data"]?.arrayValue?.count == 1, "with its delivery: \(kept.text)")

        let metrics = try await api.withToken(nil).get("/metrics").text
        #expect(metrics.contains(#"courier_retention_deleted_total{kind="event"} 1"#), "\(metrics)")
        #expect(metrics.contains(#"courier_retention_deleted_total{kind="delivery"} 1"#), "\(metrics)")
        server.kill(SIGTERM)
        #expect(try await server.waitForExit() == 0)
    }
}
