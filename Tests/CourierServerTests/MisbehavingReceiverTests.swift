import Courier
import CourierTesting
import Foundation
import Testing

/// Receivers that break the rules: the engine records what happened, retries, and never crashes.
@Suite struct MisbehavingReceiverTests {
    static let behaviours: [(String, MisbehavingReceiver.Behaviour)] = [
        ("garbage", .garbage(Array("this is not HTTP at all\r\n\r\n".utf8))),
        ("reset", .reset),
        ("close", .closeWithoutAnswer),
    ]

    @Test(arguments: [0, 1, 2])
    func brokenAnswersAreRetriedAndRecorded(_ index: Int) async throws {
        let (name, behaviour) = Self.behaviours[index]
        let receiver = try await MisbehavingReceiver.start(behaviour)
        defer { Task { await receiver.stop() } }
        try await TestServer.with { server in
            _ = try await server.createEndpoint(url: receiver.url + "/hook", extra: #""retry":{"delays":[0.1]}"#)
            let eventID = try await server.publish()
            let deliveryID = try #require(try await server.deliveries(ofEvent: eventID).first?.string("id"))
            let detail = try await server.waitForDelivery(deliveryID) { $0.state == "exhausted" }
            #expect(detail.int("attemptCount") == 2, "\(name)")
            for attempt in detail.attempts {
                #expect(attempt.string("outcome") == "failed", "\(name)")
                #expect(attempt["responseStatus"] == .null, "\(name)")
                #expect(attempt.string("error")?.isEmpty == false, "\(name): \(attempt)")
            }
            // The server is still healthy afterwards.
            #expect(try await server.api.get("/healthz").status == 200)
        }
    }

    @Test(arguments: StoreKind.all) func responseBodiesAreCutAt64KiB(_ store: StoreKind) async throws {
        let big = String(repeating: "x", count: 100 * 1024)
        let receiver = try await RecordingReceiver.start { _, _ in RecordingReceiver.Reply(status: 400, body: big) }
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            _ = try await server.createEndpoint(url: receiver.url + "/hook")
            let eventID = try await server.publish()
            let deliveryID = try #require(try await server.deliveries(ofEvent: eventID).first?.string("id"))
            let detail = try await server.waitForDelivery(deliveryID) { $0.state == "rejected" }
            let attempt = try #require(detail.attempts.first)
            #expect(attempt.string("responseBody")?.utf8.count == 64 * 1024)
            #expect(attempt["responseBodyTruncated"] == .bool(true))
            #expect(attempt.int("responseStatus") == 400)
        }
    }
}
