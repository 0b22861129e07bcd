import Courier
import CourierTesting
import Foundation
import Testing

/// Requests still under way when a server's shutdown grace ends, on either store: four go to
/// a receiver that holds them for 30 s, the server is stopped with a 1 s grace, and a new
/// server on the same store must send everything, the four again once their requests would
/// have timed out (5 s), within the check's 20 s (well before their 60 s leases would run
/// out), with the four cut-off attempts on record as `interrupted`. The endpoint allows one
/// attempt: a cut-off that used it up would leave the four exhausted.
enum ShutdownCutOff {
    static func check(store: [String]) async throws {
        let receiver = try await RecordingReceiver.start { _, count in
            RecordingReceiver.Reply(delay: count < 4 ? .seconds(30) : .zero)
        }
        defer { Task { await receiver.stop() } }
        let options = ["--lease", "60", "--request-timeout", "5", "--shutdown-grace", "1"]
        let server = try CourierProcess(command: "serve", store: store, arguments: options)
        let api = try await server.start().withToken(CourierProcess.adminToken)
        _ = try await api.post(
            "/v1/endpoints", #"{"url":"\#(receiver.url)/hook","eventTypes":["*"],"maxInFlight":4,"retry":{"delays":[]}}"#
        )
        for i in 0..<6 { _ = try await api.post("/v1/events", #"{"type":"slow.one","payload":{"i":\#(i)}}"#) }
        try await receiver.waitForRequests(4)
        server.kill(SIGTERM)
        #expect(try await server.waitForExit(timeout: .seconds(20)) == 0, "\(server.output)")

        let again = try CourierProcess(command: "serve", store: store, arguments: options)
        let restarted = try await again.start().withToken(CourierProcess.adminToken)
        let states = try await CrashTests.deliveryStates(restarted, until: ["succeeded": 6])
        #expect(states == ["succeeded": 6], "\(states)")
        let deliveries = try await restarted.get("/v1/deliveries")["data"]?.arrayValue?.compactMap(\.objectValue) ?? []
        let counts = deliveries.compactMap { $0["attemptCount"]?.doubleValue }.sorted()
        #expect(counts == [1, 1, 2, 2, 2, 2], "the four cut off keep their first attempt on record: \(counts)")
        var outcomes: [String] = []
        for delivery in deliveries {
            let detail = try await restarted.get("/v1/deliveries/\(delivery["id"]?.stringValue ?? "")")
            outcomes += detail["attempts"]?.arrayValue?.compactMap { $0.objectValue?["outcome"]?.stringValue } ?? []
        }
        #expect(outcomes.filter { $0 == "interrupted" }.count == 4 && outcomes.filter { $0 == "succeeded" }.count == 6, "\(outcomes)")
        again.kill(SIGTERM)
        #expect(try await again.waitForExit() == 0)
    }
}
