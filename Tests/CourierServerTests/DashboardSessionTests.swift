import Courier
import CourierServer
import CourierTesting
import Foundation
import Testing

/// How long a dashboard session lasts, where it may begin, and what every page tells the browser.
@Suite struct DashboardSessionTests {
    typealias Dashboard = DashboardEndpointFormTests.Dashboard

    static func header(_ answer: APIClient.Answer, _ name: String) -> String? {
        answer.headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The cookie is a signed value: without this, a copy of it (another browser, a stolen one)
    /// would go on opening pages for the rest of its 12 hours after its holder signed out.
    @Test(arguments: StoreKind.all) func signingOutEndsEveryCopyOfTheSession(_ kind: StoreKind) async throws {
        try await TestServer.with(kind) { server in
            let dashboard = try await Dashboard.signIn(server)
            let copy = dashboard
            #expect(try await copy.get("/deliveries").status == 200)
            // Sessions begun before a sign-out end; one begun in the same millisecond would not.
            try await Task.sleep(for: .milliseconds(5))
            let out = try await dashboard.post("/logout", [:])
            #expect(out.status == 303 && Self.header(out, "location") == "/login", "\(out.status) \(out.text)")
            let after = try await copy.get("/deliveries")
            #expect(after.status == 303 && Self.header(after, "location") == "/login", "the copied cookie is over")
            try await Task.sleep(for: .milliseconds(5))
            #expect(try await Dashboard.signIn(server).get("/deliveries").status == 200, "signing in again works")
        }
    }

    /// An admin token is replaced when it may have leaked: the sessions it made end with it.
    @Test func aNewAdminTokenEndsTheOldTokensSessions() async throws {
        try await TestServer.withStore(.sqlite) { store in
            var old: Dashboard?
            try await TestServer.with(store: store) { server in
                old = try await Dashboard.signIn(server)
                #expect(try await old?.get("/deliveries").status == 200)
            }
            var settings = TestServer.Settings()
            settings.adminToken = "a-new-admin-token"
            try await TestServer.with(store: store, settings) { server in
                let cookie = try #require(old?.cookie)
                let page = try await server.api.withToken(nil).send("GET", "/deliveries", body: nil, headers: [cookie])
                #expect(page.status == 303 && Self.header(page, "location") == "/login")
                let signIn = try await server.api.withToken(nil).send("POST", "/login", body: Array("token=a-new-admin-token".utf8))
                #expect(signIn.status == 303 && Self.header(signIn, "set-cookie") != nil)
            }
        }
    }

    /// Another site's page must not sign a browser in to an account of its choosing (login
    /// CSRF): the sign-in form is taken from this dashboard's own pages, or from no page at all.
    @Test func theSignInFormIsRefusedFromAnotherSite() async throws {
        try await TestServer.with(.sqlite) { server in
            let anonymous = server.api.withToken(nil)
            let body = Array("token=\(TestServer.adminToken)".utf8)
            for header in [
                HeaderField(name: "Sec-Fetch-Site", value: "cross-site"), HeaderField(name: "Sec-Fetch-Site", value: "same-site"),
                HeaderField(name: "Origin", value: "http://evil.example"), HeaderField(name: "Origin", value: "null"),
            ] {
                let answer = try await anonymous.send("POST", "/login", body: body, headers: [header])
                #expect(answer.status == 403, "\(header)")
                #expect(Self.header(answer, "set-cookie") == nil, "\(header)")
            }
            for header in [
                HeaderField(name: "Sec-Fetch-Site", value: "same-origin"), HeaderField(name: "Origin", value: server.baseURL),
            ] {
                let answer = try await anonymous.send("POST", "/login", body: body, headers: [header])
                #expect(answer.status == 303 && Self.header(answer, "set-cookie") != nil, "\(header)")
            }
        }
    }

    /// A notice travels in the query; only one the dashboard's own redirect sealed for this
    /// session is shown, so a link from elsewhere cannot make the dashboard say anything.
    @Test func onlyTheDashboardsOwnRedirectsLeaveANotice() async throws {
        try await TestServer.with(.sqlite) { server in
            let dashboard = try await Dashboard.signIn(server)
            let id = try await server.createEndpoint(url: "https://example.com/hook")
            let paused = try await dashboard.post("/endpoints/\(id)/pause", [:])
            let location = try #require(Self.header(paused, "location"))
            let page = try await dashboard.get(location)
            #expect(page.text.contains(#"class="notice""#) && page.text.contains("Paused"), "\(location)")
            let forged = try await dashboard.get("/endpoints?notice=Re-enter%20your%20admin%20token%20at%20evil.example")
            #expect(forged.status == 200)
            #expect(!forged.text.contains("evil.example") && !forged.text.contains(#"class="notice""#))
            // Sealed for one session, it shows in no other.
            let other = try await Dashboard.signIn(server)
            #expect(!(try await other.get(location)).text.contains(#"class="notice""#))
        }
    }

    @Test func pagesForbidScriptsFramingAndSniffingAndTheCookieIsSecureBehindHTTPS() async throws {
        try await TestServer.with(.sqlite) { server in
            for path in ["/login", "/deliveries", "/endpoints"] {
                let page = try await Dashboard.signIn(server).get(path)
                #expect(page.status == 200, "\(path)")
                #expect(Self.header(page, "content-security-policy")?.contains("default-src 'none'") == true, "\(path)")
                #expect(Self.header(page, "content-security-policy")?.contains("script-src") == false, "no script allowed: \(path)")
                #expect(Self.header(page, "x-content-type-options") == "nosniff")
                #expect(Self.header(page, "x-frame-options") == "DENY")
                #expect(Self.header(page, "referrer-policy") == "same-origin")
            }
            let anonymous = server.api.withToken(nil)
            let body = Array("token=\(TestServer.adminToken)".utf8)
            let plain = try #require(Self.header(try await anonymous.send("POST", "/login", body: body), "set-cookie"))
            #expect(plain.contains("HttpOnly") && plain.contains("SameSite=Strict") && !plain.contains("Secure"), "\(plain)")
            let proxied = try await anonymous.send("POST", "/login", body: body, headers: [HeaderField(name: "X-Forwarded-Proto", value: "https")])
            #expect(Self.header(proxied, "set-cookie")?.contains("Secure") == true)
        }
    }

    /// The delivery page offers only what the state machine allows, and leads to what is
    /// related: the batch that carries a delivery, and what a batch carries.
    @Test(arguments: StoreKind.all) func aDeliveryOffersOnlyTheActionsItsStateAllows(_ kind: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start { _, _ in RecordingReceiver.Reply(status: 500) }
        defer { Task { await receiver.stop() } }
        try await TestServer.with(kind) { server in
            let dashboard = try await Dashboard.signIn(server)
            func actions(_ id: String) async throws -> [String] {
                let page = try await dashboard.get("/deliveries/\(id)")
                #expect(page.status == 200, "\(page.text)")
                return page.text.matches(of: /action="\/deliveries\/[^\/"]+\/([a-z]+)"/).map { String($0.1) }
            }
            // Batched: cancel takes it out of its batch; resend and requeue are the batch's.
            _ = try await server.createEndpoint(url: receiver.url + "/batched", eventTypes: ["b.*"], extra: #""batch":{"maxSize":5}"#)
            let batchedEvent = try await server.publish(type: "b.one")
            let batched = try #require(try await server.deliveries(ofEvent: batchedEvent).first)
            let batchID = try #require(batched.string("batchId"))
            #expect(try await actions(batched.string("id")!) == ["cancel"])
            let page = try await dashboard.get("/deliveries/\(batched.string("id")!)")
            #expect(page.text.contains(#"href="/deliveries/\#(batchID)""#), "the batch that carries it")
            #expect(try await dashboard.get("/deliveries/\(batchID)").text.contains(#"href="/deliveries?batch=\#(batchID)""#))

            // Exhausted: resend or requeue; once its endpoint is deleted, nothing can send it.
            let endpoint = try await server.createEndpoint(url: receiver.url + "/down", eventTypes: ["d.*"], extra: #""retry":{"delays":[]}"#)
            let event = try await server.publish(type: "d.one")
            let id = try #require(try await server.deliveries(ofEvent: event).first?.string("id"))
            _ = try await server.waitForDelivery(id) { $0.state == "exhausted" }
            #expect(try await actions(id) == ["resend", "requeue"])
            #expect(try await server.api.delete("/v1/endpoints/\(endpoint)").status == 204)
            #expect(try await actions(id) == [])
        }
    }
}
