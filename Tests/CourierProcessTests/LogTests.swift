import Courier
import CourierTesting
import Foundation
import Testing

/// What `courier serve` logs: structured lines, one per attempt at debug and one per failure
/// at info, and never a payload, a response body, a secret or a credential.
@Suite struct LogTests {
    static let payloadMarker = "PAYLOAD-MARKER-7d1"
    static let bodyMarker = "RESPONSE-BODY-MARKER-9c2"
    static let headerSecret = "static-header-secret-41f"
    static let bearerSecret = "bearer-token-secret-0e8"

    /// Runs a server at `level` that makes one successful and one failed attempt; returns its log.
    func log(at level: String) async throws -> (log: String, secrets: [String]) {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let receiver = try await RecordingReceiver.start { request, _ in
            request.path == "/ok" ? .ok : RecordingReceiver.Reply(status: 500, body: Self.bodyMarker)
        }
        defer { Task { await receiver.stop() } }
        let server = try CourierProcess(arguments: [
            "serve", "--db", directory.path("courier.db"), "--durability", "normal", "--port", "0", "--log-level", level,
            "--allow-private-targets",
        ])
        let api = try await server.start()
        var secrets = [Self.headerSecret, Self.bearerSecret]
        for path in ["ok", "bad"] {
            let created = try await api.post("/v1/endpoints", #"""
                {"url":"\#(receiver.url)/\#(path)","eventTypes":["*"],"retry":{"delays":[]},
                 "headers":{"X-Api-Key":"\#(Self.headerSecret)"},"auth":{"type":"bearer","token":"\#(Self.bearerSecret)"}}
                """#)
            #expect(created.status == 201, "\(created.text)")
            secrets += [try #require(created["secret"]?.stringValue)]
        }
        let event = try #require(try await api.post("/v1/events", #"{"type":"case.updated","payload":{"note":"\#(Self.payloadMarker)"}}"#)["id"]?.stringValue)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let states = try await api.get("/v1/events/\(event)")["deliveries"]?.arrayValue?.compactMap { $0.objectValue?["state"]?.stringValue } ?? []
            if states.sorted() == ["exhausted", "succeeded"] { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        server.kill(SIGTERM)
        #expect(try await server.waitForExit() == 0)
        return (server.output, secrets)
    }

    @Test func infoHasOneLinePerFailureAndNoSecretsOrBodies() async throws {
        let (log, secrets) = try await log(at: "info")
        let failures = log.split(separator: "\n").filter { $0.contains("attempt failed") }
        #expect(failures.count == 1, "one line for the one failure:\n\(log)")
        #expect(failures.first?.contains("status=500") == true && failures.first?.contains("delivery=dlv_") == true, "structured: \(failures)")
        #expect(!log.contains("delivered"), "successes are not logged at info:\n\(log)")
        for secret in secrets + [Self.payloadMarker, Self.bodyMarker] {
            #expect(!log.contains(secret), "\(secret) is in the log:\n\(log)")
        }
    }

    @Test func debugHasOneLinePerAttempt() async throws {
        let (log, secrets) = try await log(at: "debug")
        let lines = log.split(separator: "\n")
        #expect(lines.filter { $0.contains("delivered") && $0.contains("delivery=dlv_") }.count == 1, "\(log)")
        #expect(lines.filter { $0.contains("attempt failed") }.count == 1, "\(log)")
        for secret in secrets + [Self.payloadMarker, Self.bodyMarker] {
            #expect(!log.contains(secret), "\(secret) is in the log:\n\(log)")
        }
    }
}
