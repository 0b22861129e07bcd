import Courier
import CourierTesting
import Foundation
import Testing

/// Courier's signatures checked by an independent verifier: the `standardwebhooks` package from
/// PyPI (installed by `scripts/test`), not by our own signing code.
@Suite struct StandardWebhooksInteropTests {
    static let verifier = #"""
        import json, sys
        from standardwebhooks.webhooks import Webhook
        request = json.load(open(sys.argv[1]))
        body = bytes(request["body"])
        try:
            Webhook(request["secret"]).verify(body, request["headers"])
            print("verified")
        except Exception as error:
            print("refused: %r" % error)
        """#

    @Test func theStandardWebhooksVerifierAcceptsCourierSignatures() async throws {
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }
        try await TestServer.with { server in
            let created = try await server.api.post("/v1/endpoints", #"{"url":"\#(receiver.url)/hook","eventTypes":["*"]}"#)
            let secret = try #require(created["secret"]?.stringValue)
            _ = try await server.publish(payload: #"{"name":"Zoë","n":[1,2.50]}"#)
            let request = try #require(try await receiver.waitForRequests(1).first)
            #expect(try await verify(request, secret: secret) == "verified")
            // And it refuses the same request with another secret or a changed body, so the check is real.
            #expect(try await verify(request, secret: WebhookSecret.generate().description).hasPrefix("refused"))
            var tampered = request
            tampered.body[tampered.body.count - 2] = UInt8(ascii: "9")
            #expect(try await verify(tampered, secret: secret).hasPrefix("refused"))
        }
    }

    /// After a rotation, requests carry both signatures for the grace period, so a verifier
    /// holding either secret accepts; once it ends, only the new secret signs.
    @Test(arguments: StoreKind.all) func aRotatedSecretSignsBesideTheOldOneForTheGracePeriod(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            let created = try await server.api.post("/v1/endpoints", #"{"url":"\#(receiver.url)/hook","eventTypes":["*"]}"#)
            let id = try #require(created["id"]?.stringValue)
            let old = try #require(created["secret"]?.stringValue)
            let rotated = try await server.api.post("/v1/endpoints/\(id)/rotate-secret", #"{"graceSeconds":3600}"#)
            #expect(rotated.status == 200, "\(rotated.text)")
            let new = try #require(rotated["secret"]?.stringValue)
            #expect(new != old && new.hasPrefix("whsec_"))
            #expect(rotated["previousSecretExpiresAt"]?.stringValue != nil)
            #expect(!rotated.text.contains(old), "the old secret is never shown again")

            _ = try await server.publish()
            let during = try #require(try await receiver.waitForRequests(1).first)
            #expect(during.header("webhook-signature")?.split(separator: " ").count == 2)
            #expect(try await verify(during, secret: new) == "verified")
            #expect(try await verify(during, secret: old) == "verified")

            // A rotation with a one-second grace: once it is over, only the newest secret signs.
            let again = try await server.api.post("/v1/endpoints/\(id)/rotate-secret", #"{"graceSeconds":1}"#)
            let newest = try #require(again["secret"]?.stringValue)
            try await Task.sleep(for: .milliseconds(1500))
            _ = try await server.publish()
            let after = try #require(try await receiver.waitForRequests(2).last)
            #expect(after.header("webhook-signature")?.split(separator: " ").count == 1)
            #expect(try await verify(after, secret: newest) == "verified")
            #expect(try await verify(after, secret: new).hasPrefix("refused"))
            #expect(try await verify(after, secret: old).hasPrefix("refused"))
        }
    }

    @Test(arguments: StoreKind.all) func rotationRefusesBadInput(_ store: StoreKind) async throws {
        try await TestServer.with(store) { server in
            let id = try await server.createEndpoint(url: "http://127.0.0.1:9/h")
            let before = try await server.api.get("/v1/endpoints/\(id)")
            for (body, field) in [
                (#"{"secret":"nope"}"#, "secret"), (#"{"graceSeconds":-1}"#, "graceSeconds"),
                (#"{"graceSeconds":604801}"#, "graceSeconds"), (#"{"grace":5}"#, "grace"),
            ] {
                let answer = try await server.api.post("/v1/endpoints/\(id)/rotate-secret", body)
                #expect(answer.status == 400 && answer.text.contains(field), "\(body): \(answer.text)")
            }
            let after = try await server.api.get("/v1/endpoints/\(id)")
            #expect(after["secret"] == before["secret"], "nothing changed")
            let given = WebhookSecret.generate().description
            let rotated = try await server.api.post("/v1/endpoints/\(id)/rotate-secret", #"{"secret":"\#(given)","graceSeconds":0}"#)
            #expect(rotated["secret"]?.stringValue == given && rotated["previousSecretExpiresAt"] == .null)
            #expect(try await server.api.post("/v1/endpoints/ep_missing/rotate-secret").status == 404)
        }
    }

    private func verify(_ request: RecordingReceiver.Request, secret: String) async throws -> String {
        var headers = JSONObject()
        for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
            headers[name] = .string(request.header(name) ?? "")
        }
        let document = JSONValue.object(JSONObject([
            "secret": .string(secret),
            "headers": .object(headers),
            "body": .array(request.body.map { .integer(Int($0)) }),
        ]))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("swh-\(UUID().uuidString).json")
        try Data(document.bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let output = try await ExternalCommand.run(["python3", "-c", Self.verifier, file.path])
        let text = output.text.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(output.status == 0, "python3 with standardwebhooks is needed (scripts/test installs it): \(text)")
        return text
    }
}
