import Courier
import CourierSQLite
import CourierTesting
import Foundation
import Testing

/// The API's contract: authentication, tenants, validation and error objects.
@Suite struct APITests {
    @Test(arguments: StoreKind.all) func healthNeedsNoToken(_ store: StoreKind) async throws {
        try await TestServer.with(store) { server in
            let answer = try await server.api.withToken(nil).get("/healthz")
            #expect(answer.status == 200)
            #expect(answer["status"]?.stringValue == "ok")
        }
    }

    @Test(arguments: StoreKind.all) func missingOrWrongTokensAre401(_ store: StoreKind) async throws {
        try await TestServer.with(store) { server in
            for token in [nil, "wrong", ""] as [String?] {
                let answer = try await server.api.withToken(token).get("/v1/endpoints")
                #expect(answer.status == 401, "\(token ?? "nil")")
                #expect(answer.errorCode == "unauthenticated")
            }
            let basic = try await server.api.withToken(nil).send(
                "GET", "/v1/endpoints", body: nil, headers: [HeaderField(name: "Authorization", value: "Basic YTpi")]
            )
            #expect(basic.status == 401)
        }
    }

    /// HTTP allows spaces and tabs around a header's parts; the token is what is between them.
    @Test func spacesAndTabsAroundTheTokenAreNotPartOfIt() async throws {
        try await TestServer.with(.sqlite) { server in
            let token = try #require(server.api.token)
            let bare = server.api.withToken(nil)
            for value in ["Bearer  \t\(token)", "Bearer \t \(token)\t ", "Bearer \(token)\t"] {
                let answer = try await bare.send("GET", "/v1/endpoints", body: nil, headers: [HeaderField(name: "Authorization", value: value)])
                #expect(answer.status == 200, "\(value.debugDescription): \(answer.text)")
            }
            for value in ["Bearer \t ", "Bearer \(token)x", "Bearer \(token.dropLast())"] {
                let answer = try await bare.send("GET", "/v1/endpoints", body: nil, headers: [HeaderField(name: "Authorization", value: value)])
                #expect(answer.status == 401, "\(value.debugDescription)")
            }
        }
    }

    @Test(arguments: StoreKind.all) func unknownRoutesAnswerAJSONError(_ store: StoreKind) async throws {
        try await TestServer.with(store) { server in
            let answer = try await server.api.get("/v1/nothing-here")
            #expect(answer.status == 404)
            #expect(answer.errorCode == "not_found")
        }
    }

    /// A NUL in text the API keeps is refused on both stores, rather than cut short on one and
    /// an error on the other; a payload is a JSON document and keeps its `\u0000` as sent.
    @Test(arguments: StoreKind.all) func aNULInKeptTextIsRefusedAndAPayloadKeepsIt(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            let refused: [(String, String, String)] = [
                ("/v1/events", #"{"type":"a.b","key":"abc\u0000def"}"#, "key"),
                ("/v1/events", #"{"type":"a.b","idempotencyKey":"k\u0000"}"#, "idempotencyKey"),
                ("/v1/endpoints", #"{"url":"\#(receiver.url)/hook","description":"d\u0000e"}"#, "description"),
                ("/v1/endpoints", #"{"url":"\#(receiver.url)/hook","eventTypes":["a.\u0000"]}"#, "eventTypes[0]"),
                ("/v1/endpoints", #"{"url":"\#(receiver.url)/hook","headers":{"x-a":"v\u0000"}}"#, "headers.x-a"),
            ]
            for (path, body, field) in refused {
                let answer = try await server.api.post(path, body)
                #expect(answer.status == 400, "\(body): \(answer.text)")
                #expect(answer.errorField == field, "\(body): \(answer.text)")
            }
            let query = try await server.api.get("/v1/deliveries?key=abc%00def")
            #expect(query.status == 400, "\(query.text)")
            #expect(query.errorField == "key")
            #expect(try await server.api.get("/v1/endpoints")["data"]?.arrayValue?.isEmpty == true, "nothing was kept")

            _ = try await server.createEndpoint(url: receiver.url + "/hook")
            _ = try await server.publish(payload: #"{"s":"a\u0000b"}"#)
            let request = try #require(try await receiver.waitForRequests(1).first)
            let payload = try JSONParser.parse(request.body).objectValue?["data"]?.objectValue?["s"]?.stringValue
            #expect(payload == "a\u{0}b")
        }
    }

    /// A browser that asks for a page outside the API gets its errors as a page; API clients,
    /// and anything under `/v1/`, get JSON whatever they accept.
    @Test func aBrowserGetsErrorsOutsideTheAPIAsAPage() async throws {
        try await TestServer.with(.sqlite, { var settings = TestServer.Settings(); settings.maxBodySize = 2048; return settings }()) { server in
            let html = HeaderField(name: "Accept", value: "text/html,application/xhtml+xml,*/*;q=0.8")
            let bare = server.api.withToken(nil)
            func type(_ answer: APIClient.Answer) -> String? { answer.headers.first { $0.name.lowercased() == "content-type" }?.value }
            let page = try await bare.send("GET", "/no-such-page", body: nil, headers: [html])
            #expect(page.status == 404 && type(page)?.hasPrefix("text/html") == true && page.text.contains("There is no such page."))
            let big = try await bare.send("POST", "/login", body: Array(repeating: UInt8(ascii: "a"), count: 4096), headers: [html])
            #expect(big.status == 413 && type(big)?.hasPrefix("text/html") == true, "\(big.status) \(big.text)")
            let wrongMethod = try await bare.send("DELETE", "/login", body: nil, headers: [html])
            #expect(wrongMethod.status == 405 && type(wrongMethod) == "application/json", "only GET and POST pages")
            #expect(type(try await bare.send("GET", "/v1/no-such-route", body: nil, headers: [html])) == "application/json")
            #expect(type(try await bare.send("GET", "/no-such-page", body: nil)) == "application/json")
        }
    }

    /// A path the router knows with a method it does not take there is 405 with `Allow`, so that
    /// a client that wrote `PUT` for `PATCH` is not sent looking for a typo in its path.
    @Test func aKnownPathWithAnotherMethodIs405WithAllow() async throws {
        try await TestServer.with(.sqlite) { server in
            func allow(_ answer: APIClient.Answer) -> String? {
                answer.headers.first { $0.name.lowercased() == "allow" }?.value
            }
            let put = try await server.api.send("PUT", "/v1/endpoints/ep_nothing", body: Array("{}".utf8))
            #expect(put.status == 405, "\(put.text)")
            #expect(put.errorCode == "method_not_allowed")
            #expect(allow(put) == "DELETE, GET, HEAD, PATCH")
            // A literal beside a capture is the literal's: `bulk` takes POST alone, though
            // `GET /v1/deliveries/{id}` would match it too.
            let bulk = try await server.api.get("/v1/deliveries/bulk")
            #expect(bulk.status == 405, "\(bulk.text)")
            #expect(allow(bulk) == "POST")
            #expect(allow(try await server.api.withToken(nil).send("POST", "/healthz", body: nil)) == "GET, HEAD")
            // HEAD wherever GET, with GET's status and no body.
            let head = try await server.api.withToken(nil).send("HEAD", "/healthz", body: nil)
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
            #expect(try await server.api.send("HEAD", "/v1/endpoints", body: nil).status == 200)
            #expect(try await server.api.withToken(nil).send("HEAD", "/v1/endpoints", body: nil).status == 401)
            // A path the router does not know stays 404, whatever the method.
            let unknown = try await server.api.send("DELETE", "/v1/nothing-here/x", body: nil)
            #expect(unknown.status == 404)
            #expect(allow(unknown) == nil)
        }
    }

    @Test(arguments: StoreKind.all) func tenantsAndTokensAreAdminOnlyAndIsolated(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            for id in ["acme", "globex"] {
                let created = try await server.api.post("/v1/tenants", #"{"id":"\#(id)","name":"\#(id.capitalized)"}"#)
                #expect(created.status == 201, "\(created.text)")
            }
            #expect(try await server.api.post("/v1/tenants", #"{"id":"acme"}"#).status == 409)
            #expect(try await server.api.post("/v1/tenants", #"{"id":"Bad Id!"}"#).status == 400)
            // Free text that is kept and shown back has a bound.
            let long = String(repeating: "n", count: 100_000)
            #expect(try await server.api.post("/v1/tenants", #"{"id":"longname","name":"\#(long)"}"#).errorField == "name")
            #expect(try await server.api.post("/v1/tenants/acme/tokens", #"{"name":"\#(long)"}"#).errorField == "name")
            let acmeAnswer = try await server.api.post("/v1/tenants/acme/tokens", #"{"name":"ci"}"#)
            let acmeToken = try #require(acmeAnswer["token"]?.stringValue)
            let globexAnswer = try await server.api.post("/v1/tenants/globex/tokens")
            let globexToken = try #require(globexAnswer["token"]?.stringValue)
            #expect(try await server.api.post("/v1/tenants/nobody/tokens").status == 404)
            let acme = server.api.withToken(acmeToken)
            let globex = server.api.withToken(globexToken)

            // Tenant tokens cannot administer.
            let forbidden = try await acme.post("/v1/tenants", #"{"id":"evil"}"#)
            #expect(forbidden.status == 403)
            #expect(try await acme.post("/v1/tenants/globex/tokens").status == 403)
            // Nor name another tenant.
            #expect(try await acme.withToken(acmeToken, tenant: "globex").get("/v1/endpoints").status == 403)

            let acmeEndpoint = try await server.createEndpoint(url: receiver.url + "/acme", api: acme)
            let globexEndpoint = try await server.createEndpoint(url: receiver.url + "/globex", api: globex)
            let acmeEvent = try await server.publish(api: acme)
            try await receiver.waitForRequests(1, path: "/acme")
            let acmeDelivery = try #require(try await server.deliveries(ofEvent: acmeEvent, api: acme).first?.string("id"))

            // Another tenant's objects are 404, exactly like missing ones.
            for path in [
                "/v1/endpoints/\(acmeEndpoint)", "/v1/events/\(acmeEvent)", "/v1/deliveries/\(acmeDelivery)",
            ] {
                let answer = try await globex.get(path)
                #expect(answer.status == 404, "\(path)")
                let missing = try await globex.get(path + "x")
                #expect(answer.text == missing.text)
            }
            #expect(try await globex.patch("/v1/endpoints/\(acmeEndpoint)", #"{"url":"http://example.com"}"#).status == 404)
            #expect(try await globex.post("/v1/endpoints/\(acmeEndpoint)/pause").status == 404)
            #expect(try await globex.delete("/v1/endpoints/\(acmeEndpoint)").status == 404)
            #expect(try await globex.post("/v1/deliveries/\(acmeDelivery)/resend").status == 404)
            let bulk = try await globex.post("/v1/deliveries/bulk", #"{"action":"resend","filter":{}}"#)
            #expect(bulk["matched"] == .integer(0))
            // Lists only show the caller's own.
            let globexList = try await globex.get("/v1/endpoints")
            #expect(globexList["data"]?.arrayValue?.compactMap { $0.objectValue?["id"]?.stringValue } == [globexEndpoint])
            #expect(try await globex.get("/v1/deliveries")["data"]?.arrayValue?.isEmpty == true)
            // An event of one tenant never reaches another's endpoint.
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.requests(path: "/globex").isEmpty)
            // The admin reaches a tenant through Courier-Tenant.
            let asAdmin = try await server.api.withToken(TestServer.adminToken, tenant: "acme").get("/v1/endpoints/\(acmeEndpoint)")
            #expect(asAdmin.status == 200)
            #expect(try await server.api.withToken(TestServer.adminToken, tenant: "nope").get("/v1/endpoints").status == 404)
            // Tokens are stored hashed, never in plain text.
            let hashes = try await server.store.principal(tokenHash: acmeToken)
            #expect(hashes == nil)
            #expect(try await server.store.principal(tokenHash: TokenSecret.hash(acmeToken)) == .tenant("acme"))
        }
    }

    @Test(arguments: StoreKind.all) func endpointsCanBeCreatedReadUpdatedAndListed(_ store: StoreKind) async throws {
        try await TestServer.with(store) { server in
            let created = try await server.api.post("/v1/endpoints", #"""
                {"url":"https://example.com/hooks","eventTypes":["case.*","form.submitted"],"name":"crm",
                 "headers":{"X-Team":"forms"},"retry":{"preset":"commcare"},"maxInFlight":4,"method":"PUT"}
                """#)
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created["id"]?.stringValue)
            #expect(created["secret"]?.stringValue?.hasPrefix("whsec_") == true)
            #expect(created["retry"] == .object(JSONObject(["preset": .string("commcare")])))
            #expect(created["method"]?.stringValue == "PUT")
            #expect(created["status"]?.stringValue == "active")
            // Names are unique per tenant.
            let clash = try await server.api.post("/v1/endpoints", #"{"url":"https://example.com","eventTypes":[],"name":"crm"}"#)
            #expect(clash.status == 409)
            let patched = try await server.api.patch("/v1/endpoints/\(id)", #"{"eventTypes":["*"],"retry":{"delays":[1,2]}}"#)
            #expect(patched.status == 200, "\(patched.text)")
            #expect(patched["eventTypes"] == .array([.string("*")]))
            #expect(patched["url"]?.stringValue == "https://example.com/hooks")
            let read = try await server.api.get("/v1/endpoints/\(id)")
            #expect(read["retry"] == .object(JSONObject(["delays": .array([.number("1"), .number("2")])])))
            #expect(read["headers"] == .object(JSONObject(["X-Team": .string("forms")])))
            // Lists are newest first, paginated, and leave secrets out.
            for i in 0..<3 {
                _ = try await server.createEndpoint(url: "https://example.com/\(i)")
            }
            let first = try await server.api.get("/v1/endpoints?limit=2")
            let firstPage = try #require(first["data"]?.arrayValue)
            #expect(firstPage.count == 2)
            #expect(firstPage.allSatisfy { $0.objectValue?["secret"] == nil })
            let cursor = try #require(first["nextCursor"]?.stringValue)
            let second = try await server.api.get("/v1/endpoints?limit=2&cursor=\(cursor)")
            let secondPage = try #require(second["data"]?.arrayValue)
            #expect(secondPage.count == 2)
            #expect(second["nextCursor"] == .null)
            let ids = (firstPage + secondPage).compactMap { $0.objectValue?["id"]?.stringValue }
            #expect(Set(ids).count == 4)
            #expect(ids == ids.sorted(by: >))
            #expect(ids.last == id)
        }
    }

    /// A rate limit is shown as given (seconds defaulting to 1), changed by a PATCH, kept by a
    /// PATCH of something else, and removed by `null`; a bad one changes nothing. So is a timeout.
    @Test(arguments: StoreKind.all) func aRateLimitAndATimeoutAreSetChangedAndRemoved(_ store: StoreKind) async throws {
        try await TestServer.with(store) { server in
            let created = try await server.api.post(
                "/v1/endpoints", #"{"url":"https://example.com/hooks","eventTypes":["*"],"rateLimit":{"requests":10}}"#
            )
            #expect(created.status == 201, "\(created.text)")
            #expect(created["rateLimit"] == .object(JSONObject(["requests": .integer(10), "seconds": .integer(1)])))
            let id = try #require(created["id"]?.stringValue)
            let slower = try await server.api.patch("/v1/endpoints/\(id)", #"{"rateLimit":{"requests":100,"seconds":3600}}"#)
            #expect(slower["rateLimit"] == .object(JSONObject(["requests": .integer(100), "seconds": .integer(3600)])), "\(slower.text)")
            let bad = try await server.api.patch("/v1/endpoints/\(id)", #"{"rateLimit":{"requests":5000,"seconds":1}}"#)
            #expect(bad.status == 400 && bad.errorField == "rateLimit.requests", "\(bad.text)")
            let renamed = try await server.api.patch("/v1/endpoints/\(id)", #"{"name":"quota"}"#)
            #expect(renamed["rateLimit"] == slower["rateLimit"], "\(renamed.text)")
            let removed = try await server.api.patch("/v1/endpoints/\(id)", #"{"rateLimit":null}"#)
            #expect(removed.status == 200 && removed["rateLimit"] == .null, "\(removed.text)")
            let listed = try await server.api.get("/v1/endpoints")["data"]?.arrayValue?.first
            #expect(listed?.objectValue?["rateLimit"] == .null)
            #expect(listed?.objectValue?["timeoutSeconds"] == .null, "the server's timeout unless given")
            let timed = try await server.api.patch("/v1/endpoints/\(id)", #"{"timeoutSeconds":120}"#)
            #expect(timed["timeoutSeconds"] == .integer(120), "\(timed.text)")
            let untimed = try await server.api.patch("/v1/endpoints/\(id)", #"{"timeoutSeconds":null}"#)
            #expect(untimed["timeoutSeconds"] == .null, "\(untimed.text)")
        }
    }

    /// A cursor is the last id of a page; any other text would silently page from nowhere
    /// (`abc` gave an empty list, `zzz` the whole of it).
    @Test(arguments: StoreKind.all) func aCursorNoListGaveOutIs400(_ store: StoreKind) async throws {
        try await TestServer.with(store) { server in
            let lists = ["/v1/endpoints", "/v1/deliveries", "/v1/messages", "/v1/operations", "/v1/sessions"]
            for list in lists {
                for cursor in ["abc", "0", "zzz", "eyJ4IjoxfQ", "ep_x", "dlv_0000000000000000000000000%21"] {
                    let answer = try await server.api.get("\(list)?cursor=\(cursor)")
                    #expect(answer.status == 400, "\(list) \(cursor) → \(answer.status) \(answer.text)")
                    #expect(answer.errorField == "cursor", "\(list) \(cursor) → \(answer.text)")
                }
            }
            let id = Identifier.make("dlv")
            #expect(try await server.api.get("/v1/deliveries?cursor=\(id)").status == 200)
            #expect(try await server.api.get("/v1/deliveries?cursor=\(Identifier.make("bat"))").status == 200)
            #expect(try await server.api.get("/v1/endpoints?cursor=\(Identifier.make("ep"))").status == 200)
        }
    }

    /// A request that says more than a route reads is refused, as a list refuses a query
    /// parameter it does not know: `resume` with a body of `{` or `{"bogus":1}` once answered 200.
    @Test(arguments: StoreKind.all) func routesRefuseQueryParametersAndBodiesTheyDoNotRead(_ store: StoreKind) async throws {
        try await TestServer.with(store) { server in
            let endpoint = try await server.createEndpoint(url: "https://example.com/hook", extra: #""retry":{"delays":[]}"#)
            let event = try #require(try await server.api.post("/v1/events", #"{"type":"a.b","payload":{}}"#)["id"]?.stringValue)
            let delivery = try #require(try await server.api.get("/v1/deliveries")["data"]?.arrayValue?.first?.objectValue?["id"]?.stringValue)
            for path in ["/v1/endpoints/\(endpoint)", "/v1/events/\(event)", "/v1/deliveries/\(delivery)", "/v1/sessions/s", "/v1/messages/msg_x",
                         "/v1/operations/op_x"] {
                let answer = try await server.api.get(path + "?bogus=1")
                #expect(answer.status == 400 && answer.errorField == "bogus", "GET \(path)?bogus=1 → \(answer.status) \(answer.text)")
            }
            // A read takes no body: a filter sent as JSON would otherwise list everything.
            for path in ["/v1/deliveries", "/v1/endpoints/\(endpoint)", "/healthz"] {
                let answer = try await server.api.send("GET", path, body: Array(#"{"endpoint":"x"}"#.utf8))
                #expect(answer.status == 400 && answer.errorCode == "unexpected_body", "GET \(path) with a body → \(answer.status) \(answer.text)")
            }
            for path in ["/v1/events", "/v1/endpoints", "/v1/deliveries/bulk", "/v1/endpoints/\(endpoint)/rotate-secret"] {
                let answer = try await server.api.post(path + "?bogus=1", "{}")
                #expect(answer.status == 400 && answer.errorField == "bogus", "POST \(path)?bogus=1 → \(answer.status) \(answer.text)")
            }
            let actions = ["/v1/endpoints/\(endpoint)/resume", "/v1/endpoints/\(endpoint)/test", "/v1/deliveries/\(delivery)/resend",
                           "/v1/deliveries/\(delivery)/cancel", "/v1/deliveries/\(delivery)/requeue", "/v1/operations/op_x/cancel"]
            for path in actions {
                let broken = try await server.api.post(path, "{")
                #expect(broken.status == 400 && broken.errorCode == "invalid_json", "\(path) with { → \(broken.status) \(broken.text)")
                let unknown = try await server.api.post(path, #"{"bogus":1}"#)
                #expect(unknown.status == 400 && unknown.errorField == "bogus", "\(path) with a field → \(unknown.status) \(unknown.text)")
                let query = try await server.api.post(path + "?bogus=1")
                #expect(query.status == 400 && query.errorField == "bogus", "\(path)?bogus=1 → \(query.status) \(query.text)")
            }
            // Nothing changed, and an empty body or {} is taken.
            let stored = try await server.api.get("/v1/deliveries/\(delivery)")
            #expect(stored["state"]?.stringValue != "cancelled", "no refused cancel took effect: \(stored.text)")
            #expect(try await server.api.post("/v1/endpoints/\(endpoint)/resume").status == 200)
            #expect(try await server.api.post("/v1/endpoints/\(endpoint)/resume", "{}").status == 200)
            #expect(try await server.api.delete("/v1/endpoints/\(endpoint)?bogus=1").status == 400)
            #expect(try await server.api.get("/v1/endpoints/\(endpoint)").status == 200, "not deleted")
        }
    }

    @Test(arguments: StoreKind.all) func badEndpointRequestsAre400AndStoreNothing(_ store: StoreKind) async throws {
        try await TestServer.with(store) { server in
            let cases: [(body: String, field: String?)] = [
                (#"{"url":"ftp://example.com","eventTypes":[]}"#, "url"),
                (#"{"url":"http://","eventTypes":[]}"#, "url"),
                (#"{"url":"not a url","eventTypes":[]}"#, "url"),
                (#"{"url":"/relative","eventTypes":[]}"#, "url"),
                (#"{"eventTypes":[]}"#, "url"),
                (#"{"url":"https://example.com"}"#, "eventTypes"),
                (#"{"url":"https://example.com","eventTypes":["a..b"]}"#, "eventTypes[0]"),
                (#"{"url":"https://example.com","eventTypes":"case.*"}"#, "eventTypes"),
                (#"{"url":42,"eventTypes":[]}"#, "url"),
                (#"{"url":"https://example.com","eventTypes":[],"colour":"red"}"#, "colour"),
                (#"{"url":"https://example.com","eventTypes":[],"secret":"plain"}"#, "secret"),
                (#"{"url":"https://example.com","eventTypes":[],"retry":{"delays":[-1]}}"#, "retry.delays[0]"),
                (#"{"url":"https://example.com","eventTypes":[],"retry":{"preset":"never"}}"#, "retry.preset"),
                (#"{"url":"https://example.com","eventTypes":[],"headers":{"webhook-signature":"x"}}"#, "headers.webhook-signature"),
                (#"{"url":"https://example.com","eventTypes":[],"headers":{"x-a":"spaced "}}"#, "headers.x-a"),
                (#"{"url":"https://example.com","eventTypes":[],"headers":{"x-a":"\tv"}}"#, "headers.x-a"),
                (#"{"url":"https://example.com","eventTypes":[],"maxInFlight":0}"#, "maxInFlight"),
                (#"{"url":"https://example.com","eventTypes":[],"method":"GET"}"#, "method"),
                (#"{"url":"https://example.com","eventTypes":[],"auth":{"type":"basic"}}"#, "auth.username"),
                (#"{"url":"https://example.com","eventTypes":[],"ordered":1}"#, "ordered"),
                (#"{"url":"https://example.com:99999/x","eventTypes":[]}"#, "url"),
                (#"{"url":"https://example.com:0/x","eventTypes":[]}"#, "url"),
                (#"{"url":"https://example.com/x\r\nX-Injected: y","eventTypes":[]}"#, "url"),
                (#"{"url":"https://example.com/x y","eventTypes":[]}"#, "url"),
                (#"{"url":"https://example.com/x?q=\"<b>\"","eventTypes":[]}"#, "url"),
                (#"{"url":"https://example.com/a\\b","eventTypes":[]}"#, "url"),
                (#"{"url":"https://example.com/x\ty","eventTypes":[]}"#, "url"),
                (#"{"url":"https://user:hunter2@example.com/x","eventTypes":[]}"#, "url"),
                (#"{"url":"https://example.com","eventTypes":[],"headers":{"Authorization":"Static"},"auth":{"type":"bearer","token":"t"}}"#,
                 "headers.Authorization"),
                (#"{"url":"https://example.com","eventTypes":[],"headers":{"authorization":"x"},"auth":{"type":"basic","username":"u","password":"p"}}"#,
                 "headers.authorization"),
                (#"{"url":"https://example.com","eventTypes":[],"headers":{"X-Api-Key":"static"},"auth":{"type":"apiKey","header":"x-api-key","value":"k"}}"#,
                 "headers.X-Api-Key"),
                (#"{"url":"https://example.com","eventTypes":[],"format":{"template":"abc {{"}}"#, "format.template"),
                (#"{"url":"https://example.com","eventTypes":[],"rateLimit":{"requests":0}}"#, "rateLimit.requests"),
                (#"{"url":"https://example.com","eventTypes":[],"rateLimit":{"requests":1001}}"#, "rateLimit.requests"),
                (#"{"url":"https://example.com","eventTypes":[],"rateLimit":{"seconds":60}}"#, "rateLimit.requests"),
                (#"{"url":"https://example.com","eventTypes":[],"rateLimit":{"requests":1,"seconds":0}}"#, "rateLimit.seconds"),
                (#"{"url":"https://example.com","eventTypes":[],"rateLimit":{"requests":1,"burst":9}}"#, "rateLimit.burst"),
                (#"{"url":"https://example.com","eventTypes":[],"rateLimit":10}"#, "rateLimit"),
                (#"{"url":"https://example.com","eventTypes":[],"timeoutSeconds":0}"#, "timeoutSeconds"),
                (#"{"url":"https://example.com","eventTypes":[],"timeoutSeconds":301}"#, "timeoutSeconds"),
                (#"{"url":"https://example.com","eventTypes":[],"timeoutSeconds":"30"}"#, "timeoutSeconds"),
                (#"{"url":"https://example.com","eventTypes":[],"timeoutSeconds":2.5}"#, "timeoutSeconds"),
            ]
            for (body, field) in cases {
                let answer = try await server.api.post("/v1/endpoints", body)
                #expect(answer.status == 400, "\(body) → \(answer.status) \(answer.text)")
                #expect(answer.errorField == field, "\(body) → \(answer.text)")
                #expect(answer["error"]?.objectValue?["message"]?.stringValue?.isEmpty == false)
            }
            #expect(try await server.api.get("/v1/endpoints")["data"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test(arguments: StoreKind.all) func badEventRequestsAre4xxAndStoreNothing(_ store: StoreKind) async throws {
        try await TestServer.with(store, .init(maxBodySize: 64 * 1024)) { server in
            let cases: [(body: String, code: String)] = [
                ("{not json", "invalid_json"),
                ("", "invalid_json"),
                ("[]", "invalid_request"),
                ("42", "invalid_request"),
                (#"{"payload":{}}"#, "invalid_request"),
                (#"{"type":"","payload":{}}"#, "invalid_request"),
                (#"{"type":7,"payload":{}}"#, "invalid_request"),
                (#"{"type":"a b","payload":{}}"#, "invalid_request"),
                (#"{"type":"case.updated","payload":{},"extra":1}"#, "unknown_field"),
                (#"[{"type":"ok"},{"type":""}]"#, "invalid_request"),
                (#"{"type":"case.updated","occurredAt":"yesterday"}"#, "invalid_request"),
                (#"{"type":"case.updated","idempotencyKey":""}"#, "invalid_request"),
                (#"{"type":"courier.test","payload":{}}"#, "invalid_request"),
                (#"{"type":"courier.task","payload":{}}"#, "invalid_request"),
                (#"{"type":"case.updated","occurredAt":"2026-02-30T10:00:00Z"}"#, "invalid_request"),
                (String(repeating: "[", count: 200) + String(repeating: "]", count: 200), "invalid_json"),
            ]
            for (body, code) in cases {
                let answer = try await server.api.post("/v1/events", body)
                #expect(answer.status == 400, "\(body.prefix(60)) → \(answer.status) \(answer.text)")
                #expect(answer.errorCode == code, "\(body.prefix(60)) → \(answer.text)")
            }
            let second = try await server.api.post("/v1/events", #"[{"type":"ok"},{"type":""}]"#)
            #expect(second.errorField == "[1].type")
            // Over the body limit: 413, whatever the content.
            let huge = #"{"type":"big","payload":""# + String(repeating: "x", count: 70 * 1024) + #""}"#
            let tooLarge = try await server.api.post("/v1/events", huge)
            #expect(tooLarge.status == 413)
            #expect(tooLarge.errorCode == "body_too_large")
            // More than 1,000 events at once.
            let many = "[" + Array(repeating: #"{"type":"a"}"#, count: 1001).joined(separator: ",") + "]"
            #expect(try await server.api.post("/v1/events", many).status == 400)
            // Nothing was stored.
            #expect(try await server.api.get("/v1/deliveries")["data"]?.arrayValue?.isEmpty == true)
            // Bad filters on lists.
            #expect(try await server.api.get("/v1/deliveries?state=lost").status == 400)
            #expect(try await server.api.get("/v1/deliveries?since=tuesday").status == 400)
            #expect(try await server.api.get("/v1/deliveries?colour=red").errorCode == "unknown_field")
            #expect(try await server.api.get("/v1/deliveries?limit=0").status == 400)
            #expect(try await server.api.post("/v1/deliveries/bulk", #"{"action":"explode","filter":{}}"#).status == 400)
            #expect(try await server.api.post("/v1/deliveries/bulk", #"{"action":"requeue"}"#).status == 400)
        }
    }

    @Test(arguments: StoreKind.all) func publishingAnArrayAndIdempotencyKeys(_ store: StoreKind) async throws {
        try await TestServer.with(store) { server in
            let endpointID = try await server.createEndpoint(url: "https://example.com/hook")
            let longReason = try await server.api.post("/v1/endpoints/\(endpointID)/pause", #"{"reason":"\#(String(repeating: "r", count: 2000))"}"#)
            #expect(longReason.status == 400 && longReason.errorField == "reason", "\(longReason.text)")
            _ = try await server.api.post("/v1/endpoints/\(endpointID)/pause")
            let first = try await server.api.post("/v1/events", #"{"type":"a.b","payload":{"x":1},"idempotencyKey":"k-1","key":"case-9"}"#)
            #expect(first.status == 202)
            #expect(first["duplicate"] == .bool(false))
            #expect(first["deliveries"] == .integer(1))
            let id = try #require(first["id"]?.stringValue)
            let again = try await server.api.post("/v1/events", #"{"type":"a.b","payload":{"x":2},"idempotencyKey":"k-1"}"#)
            #expect(again["id"]?.stringValue == id)
            #expect(again["duplicate"] == .bool(true))
            let batch = try await server.api.post("/v1/events", #"""
                [{"type":"a.c","payload":1},{"type":"a.d","idempotencyKey":"k-1"},{"type":"a.e","idempotencyKey":"k-2"},{"type":"a.f","idempotencyKey":"k-2"}]
                """#)
            #expect(batch.status == 202)
            let results = (batch.json.arrayValue ?? []).compactMap { $0.objectValue }
            #expect(results.count == 4)
            #expect(results[1]["id"]?.stringValue == id)
            #expect(results[3]["id"] == results[2]["id"])
            #expect(results.map { $0["duplicate"] } == [.bool(false), .bool(true), .bool(false), .bool(true)])
            let event = try await server.api.get("/v1/events/\(id)")
            #expect(event["payload"] == .object(JSONObject(["x": .number("1")])))
            #expect(event["key"]?.stringValue == "case-9")
            #expect(event["deliveries"]?.arrayValue?.count == 1)
            // One delivery for the first event, one for each of the two new ones: four events stored, three deliveries.
            let list = try await server.api.get("/v1/deliveries?endpoint=\(endpointID)")
            #expect(list["data"]?.arrayValue?.count == 3)
        }
    }
}
