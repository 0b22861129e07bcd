import Courier
import CourierTesting
import Foundation
import Synchronization
import Testing

/// Outbound auth end to end, against real receivers and a real token endpoint on loopback.
@Suite struct AuthDeliveryTests {
    @Test(arguments: StoreKind.all) func staticCredentialsGoInTheirHeadersAndAreNeverShownBack(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            let basic = try await server.createEndpoint(
                url: receiver.url + "/basic", extra: #""auth":{"type":"basic","username":"courier","password":"s3cret-pw"}"#
            )
            _ = try await server.createEndpoint(url: receiver.url + "/bearer", extra: #""auth":{"type":"bearer","token":"tok-abc-123"}"#)
            _ = try await server.createEndpoint(
                url: receiver.url + "/key", extra: #""auth":{"type":"apiKey","header":"X-Api-Key","value":"key-xyz-789"}"#
            )
            _ = try await server.publish()
            let requests = try await receiver.waitForRequests(3)
            let byPath = Dictionary(uniqueKeysWithValues: requests.map { ($0.path, $0) })
            #expect(byPath["/basic"]?.header("authorization") == "Basic " + Data("courier:s3cret-pw".utf8).base64EncodedString())
            #expect(byPath["/bearer"]?.header("authorization") == "Bearer tok-abc-123")
            #expect(byPath["/key"]?.header("x-api-key") == "key-xyz-789")
            #expect(byPath.values.allSatisfy { $0.header("webhook-signature")?.hasPrefix("v1,") == true })

            let one = try await server.api.get("/v1/endpoints/\(basic)")
            #expect(one["auth"] == .object(JSONObject(["type": .string("basic"), "username": .string("courier")])))
            let list = try await server.api.get("/v1/endpoints")
            for secret in ["s3cret-pw", "tok-abc-123", "key-xyz-789"] {
                #expect(!one.text.contains(secret) && !list.text.contains(secret), "\(secret) is never shown")
            }
            let delivery = try #require(try await server.api.get("/v1/deliveries?endpoint=\(basic)")["data"]?.arrayValue?.first?.objectValue)
            let detail = try await server.waitForDelivery(delivery.string("id")!) { $0.state == "succeeded" }
            #expect(!JSONValue.object(detail).bytesText.contains("s3cret-pw"), "nor written to the attempt record")
            // Removing it.
            let patched = try await server.api.patch("/v1/endpoints/\(basic)", #"{"auth":null}"#)
            #expect(patched.status == 200 && patched["auth"] == .null)
        }
    }

    @Test(arguments: StoreKind.all) func badAuthIsRefused(_ store: StoreKind) async throws {
        try await TestServer.with(store) { server in
            for (auth, field) in [
                (#"{"type":"digest"}"#, "auth.type"), (#"{"type":"basic","username":"u"}"#, "auth.password"),
                (#"{"type":"basic","username":"a:b","password":"p"}"#, "auth.username"), (#"{"type":"bearer","token":""}"#, "auth.token"),
                (#"{"type":"apiKey","header":"webhook-id","value":"v"}"#, "auth.header"),
                (#"{"type":"apiKey","header":"X-Key","value":"a\nb"}"#, "auth.value"),
                (#"{"type":"oauth2","tokenUrl":"ftp://x","clientId":"c","clientSecret":"s"}"#, "auth.tokenUrl"),
                (#"{"type":"bearer","token":"t","extra":1}"#, "auth.extra"), (#""basic""#, "auth"),
            ] {
                let answer = try await server.api.post("/v1/endpoints", #"{"url":"http://127.0.0.1:9/h","eventTypes":["*"],"auth":\#(auth)}"#)
                #expect(answer.status == 400 && answer.errorField == field, "\(auth): \(answer.text)")
            }
            #expect(try await server.api.get("/v1/endpoints")["data"]?.arrayValue?.isEmpty == true)
        }
    }

    /// A token endpoint the test runs: token `tN` for the Nth request, with the given lifetime;
    /// the receiver takes only tokens it has not been told are revoked.
    @Test(arguments: StoreKind.all) func oauth2TokensAreFetchedCachedRenewedAndRefreshedOnA401(_ store: StoreKind) async throws {
        let revoked = Mutex<Set<String>>(["Bearer t1"])
        let lifetime = Mutex(3600)
        let receiver = try await RecordingReceiver.start { request, count in
            if request.path == "/token" {
                return RecordingReceiver.Reply(status: 200, body: #"{"access_token":"t\#(count + 1)","token_type":"Bearer","expires_in":\#(lifetime.withLock { $0 })}"#)
            }
            let refused = revoked.withLock { $0.contains(request.header("authorization") ?? "") }
            return RecordingReceiver.Reply(status: refused ? 401 : 204)
        }
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            let auth = #"{"type":"oauth2","tokenUrl":"\#(receiver.url)/token","clientId":"courier","clientSecret":"cs-42","scope":"hooks:write"}"#
            let endpointID = try await server.createEndpoint(url: receiver.url + "/hook", extra: #""auth":\#(auth),"retry":{"delays":[0.2]}"#)
            #expect(!(try await server.api.get("/v1/endpoints/\(endpointID)")).text.contains("cs-42"))

            // t1 is refused with 401: one new token, the same attempt goes again and succeeds.
            let first = try await server.publish()
            let firstDelivery = try #require(try await server.deliveries(ofEvent: first).first)
            let done = try await server.waitForDelivery(firstDelivery.string("id")!) { $0.state == "succeeded" }
            #expect(done.int("attemptCount") == 1)
            var hooks = receiver.requests().filter { $0.path == "/hook" }
            #expect(hooks.map { $0.header("authorization") } == ["Bearer t1", "Bearer t2"])
            let tokenRequest = try #require(receiver.requests().first { $0.path == "/token" })
            #expect(tokenRequest.header("content-type") == "application/x-www-form-urlencoded")
            #expect(tokenRequest.bodyText == "grant_type=client_credentials&client_id=courier&client_secret=cs-42&scope=hooks%3Awrite")

            // Cached: more events, no more token requests.
            for _ in 0..<3 { _ = try await server.publish() }
            _ = try await receiver.waitForRequests(2 + 2 + 3)
            hooks = receiver.requests().filter { $0.path == "/hook" }
            #expect(hooks.suffix(3).allSatisfy { $0.header("authorization") == "Bearer t2" })
            #expect(receiver.requests().filter { $0.path == "/token" }.count == 2)

            // A short-lived token is renewed before it runs out: t2 is revoked (401, then t3, which
            // lives 2 s and is renewed a second before that), and a second later t4 comes.
            lifetime.withLock { $0 = 2 }
            revoked.withLock { _ = $0.insert("Bearer t2") }
            _ = try await server.publish()
            _ = try await receiver.waitForRequests(4 + 3 + 3)
            try await Task.sleep(for: .milliseconds(1200))
            _ = try await server.publish()
            let all = try await receiver.waitForRequests(4 + 3 + 3 + 2)
            #expect(all.filter { $0.path == "/token" }.count == 4, "t3 was renewed as t4 after a second")
            #expect(all.filter { $0.path == "/hook" }.last?.header("authorization") == "Bearer t4")
        }
    }

    @Test(arguments: StoreKind.all) func aFailingTokenEndpointRetriesTheDeliveryWithoutARequest(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start { request, count in
            if request.path == "/token" { return count == 0 ? RecordingReceiver.Reply(status: 500) : RecordingReceiver.Reply(status: 200, body: #"{"access_token":"ok"}"#) }
            return RecordingReceiver.Reply(status: 204)
        }
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            let auth = #"{"type":"oauth2","tokenUrl":"\#(receiver.url)/token","clientId":"c","clientSecret":"s"}"#
            _ = try await server.createEndpoint(url: receiver.url + "/hook", extra: #""auth":\#(auth),"retry":{"delays":[0.2]}"#)
            let id = try await server.publish()
            let delivery = try #require(try await server.deliveries(ofEvent: id).first)
            let done = try await server.waitForDelivery(delivery.string("id")!) { $0.state == "succeeded" }
            #expect(done.attempts.map { $0.string("outcome") } == ["failed", "succeeded"])
            #expect(done.attempts.first?.string("error")?.contains("token endpoint answered 500") == true)
            #expect(receiver.requests().filter { $0.path == "/hook" }.count == 1)
        }
    }
}

extension JSONValue {
    var bytesText: String { String(decoding: bytes, as: UTF8.self) }
}
