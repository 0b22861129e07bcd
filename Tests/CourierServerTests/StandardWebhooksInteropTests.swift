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
            #expect(try verify(request, secret: secret) == "verified")
            // And it refuses the same request with another secret or a changed body, so the check is real.
            #expect(try verify(request, secret: WebhookSecret.generate().description).hasPrefix("refused"))
            var tampered = request
            tampered.body[tampered.body.count - 2] = UInt8(ascii: "9")
            #expect(try verify(tampered, secret: secret).hasPrefix("refused"))
        }
    }

    private func verify(_ request: RecordingReceiver.Request, secret: String) throws -> String {
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
        let output = try ExternalCommand.run(["python3", "-c", Self.verifier, file.path])
        let text = output.text.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(output.status == 0, "python3 with standardwebhooks is needed (scripts/test installs it): \(text)")
        return text
    }
}
