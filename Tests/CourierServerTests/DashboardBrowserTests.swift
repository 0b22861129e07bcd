import Courier
import CourierTesting
import Foundation
import Synchronization
import Testing

/// The dashboard in a real browser: Debian's chromium driven by Playwright for Python
/// (`Tests/Browser/dashboard_pages.py`; `scripts/test` installs both). Screenshots of every
/// page land in `.build/test-artifacts/dashboard` (or `COURIER_TEST_ARTIFACTS`).
@Suite struct DashboardBrowserTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var artifacts: String {
        ProcessInfo.processInfo.environment["COURIER_TEST_ARTIFACTS"].map { $0 + "/dashboard" }
            ?? packageRoot.appendingPathComponent(".build/test-artifacts/dashboard").path
    }

    @Test func signInResendARecordRequeueInBulkAndPauseAnEndpoint() async throws {
        // Down at first: three deliveries fail for good. Then up, for the person who fixes it.
        let up = Mutex(false)
        let receiver = try await RecordingReceiver.start { request, _ in
            // The lab's system answers in XML.
            if request.path == "/lab" {
                return .init(
                    status: 200, headers: [HeaderField(name: "Content-Type", value: "application/xml")],
                    body: #"<?xml version="1.0"?><ack><status>received</status><ref system="lis">L-1</ref></ack>"#
                )
            }
            if up.withLock({ $0 }) { return .ok }
            // The deliveries' receiver fails (and is retried until exhausted); the task and the gateway refuse.
            return request.path == "/hook" ? RecordingReceiver.Reply(status: 500, body: #"{"error":"database locked"}"#) : .init(status: 400)
        }
        defer { Task { await receiver.stop() } }
        try await TestServer.with(.sqlite) { server in
            let id = try await server.createEndpoint(url: receiver.url + "/hook", extra: #""name":"crm","retry":{"delays":[]}"#)
            var events: [String] = []
            for i in 0..<3 { events.append(try await server.publish(payload: #"{"i":\#(i),"patient":"P-\#(i)"}"#)) }
            for event in events {
                let delivery = try #require(try await server.deliveries(ofEvent: event).first?.string("id"))
                try await server.waitForDelivery(delivery) { $0.state == "exhausted" }
            }
            // A session whose task failed, and a message whose batch was refused.
            _ = try await server.createEndpoint(url: receiver.url + "/tasks", eventTypes: [], extra: #""name":"tasks","retry":{"delays":[]}"#)
            _ = try await server.createEndpoint(url: receiver.url + "/gw", eventTypes: [], extra: #""name":"gw","retry":{"delays":[]}"#)
            _ = try await server.api.put("/v1/sessions/applicant:42/tasks", #"{"tasks":{"create":{"after":["start"],"run":"tasks"}}}"#)
            _ = try await server.api.post("/v1/sessions/applicant:42/triggers", #"{"name":"start","kwargs":{"name":"Zoë"}}"#)
            _ = try await server.api.post("/v1/sessions/applicant:7/triggers", #"{"name":"start"}"#)
            let message = try await server.api.post("/v1/messages", #"{"text":"Clinic open Monday","to":[{"backend":"gw","identity":"+1"},{"backend":"gw","identity":"+2"}]}"#)
            let messageID = try #require(message["id"]?.stringValue)
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                let session = try await server.api.get("/v1/sessions/applicant:42")
                let status = session["instances"]?.arrayValue?.first?.objectValue?["status"]?.stringValue
                let sent = try await server.api.get("/v1/messages/\(messageID)")["status"]?.stringValue
                if status == "failed", sent == "errored" { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            // A lab, in a tenant of its own, whose endpoint takes XML.
            #expect(try await server.api.post("/v1/tenants", #"{"id":"lab"}"#).status == 201)
            let lab = server.api.withToken(TestServer.adminToken, tenant: "lab")
            _ = try await server.createEndpoint(url: receiver.url + "/lab", eventTypes: ["lab.*"], extra: #""name":"lis","format":"xml""#, api: lab)
            let result = try await server.publish(type: "lab.result", payload: #"{"patient":"P-7","codes":["A1","B2"]}"#, api: lab)
            let labDelivery = try #require(try await server.deliveries(ofEvent: result, api: lab).first?.string("id"))
            try await server.waitForDelivery(labDelivery, api: lab) { $0.state == "succeeded" }
            up.withLock { $0 = true }

            let script = Self.packageRoot.appendingPathComponent("Tests/Browser/dashboard_pages.py").path
            let output = try await ExternalCommand.run(["python3", script, server.baseURL, TestServer.adminToken, Self.artifacts])
            #expect(output.status == 0, "\(output.text)")
            #expect(output.text.contains("every check passed"), "\(output.text)")

            // What the browser did, seen through the API: all delivered, the endpoint active again.
            let endpoint = try await server.api.get("/v1/endpoints/\(id)")
            #expect(endpoint["status"] == .string("active"))
            let session = try await server.api.get("/v1/sessions/applicant:42")
            #expect(session["unresolvedTasks"] == .array([]), "the replay finished the task: \(session.text)")
            for event in events {
                #expect(try await server.deliveries(ofEvent: event).first?.state == "succeeded")
            }
            // The endpoint made and edited in the form sent its test event as it was set, with
            // the token it kept through an unchanged save.
            let billing = try #require(receiver.requests(path: "/billing").first)
            #expect(billing.method == "PUT" && billing.header("x-source") == "courier", "\(billing.headers)")
            #expect(billing.header("authorization") == "Bearer tok-3f9a", "\(billing.headers)")
        }
    }

    @Test func pagesNeedASessionAndFormsNeedTheirToken() async throws {
        try await TestServer.with(.sqlite) { server in
            let anonymous = server.api.withToken(nil)
            for path in ["/deliveries", "/endpoints", "/deliveries/dlv_x"] {
                let answer = try await anonymous.send("GET", path, body: nil)
                #expect(answer.status == 303 && answer.headers.first { $0.name.lowercased() == "location" }?.value == "/login", "\(path)")
            }
            let forged = try await anonymous.send("POST", "/deliveries/bulk", body: Array("action=cancel".utf8))
            #expect(forged.status == 303, "signed out: to the sign-in page, nothing done")
            let wrong = try await anonymous.send("POST", "/login", body: Array("token=nope".utf8))
            #expect(wrong.status == 401 && wrong.text.contains("not valid"))
            let signIn = try await anonymous.send("POST", "/login", body: Array("token=\(TestServer.adminToken)".utf8))
            let cookie = try #require(signIn.headers.first { $0.name.lowercased() == "set-cookie" }?.value)
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "\(cookie)")
            let session = try #require(cookie.split(separator: ";").first.map(String.init))
            let page = try await anonymous.send("GET", "/deliveries", body: nil, headers: [HeaderField(name: "Cookie", value: session)])
            #expect(page.status == 200 && page.text.contains("<h1>Deliveries</h1>"))
            let noToken = try await anonymous.send(
                "POST", "/deliveries/bulk", body: Array("action=cancel".utf8), headers: [HeaderField(name: "Cookie", value: session)]
            )
            #expect(noToken.status == 403, "a form without the CSRF token is refused")
            let root = try await anonymous.send("GET", "/", body: nil, headers: [HeaderField(name: "Cookie", value: session)])
            #expect(root.status == 303 && root.headers.first { $0.name.lowercased() == "location" }?.value == "/deliveries")

            // The admin switches to another tenant with the page's own form.
            #expect(try await server.api.post("/v1/tenants", #"{"id":"acme"}"#).status == 201)
            let csrf = try #require(page.text.firstMatch(of: /name="csrf" value="([^"]+)"/).map { String($0.1) })
            let switched = try await anonymous.send(
                "POST", "/tenant", body: Array("csrf=\(csrf)&tenant=acme".utf8), headers: [HeaderField(name: "Cookie", value: session)]
            )
            let acme = try #require(switched.headers.first { $0.name.lowercased() == "set-cookie" }?.value.split(separator: ";").first.map(String.init))
            let acmePage = try await anonymous.send("GET", "/endpoints", body: nil, headers: [HeaderField(name: "Cookie", value: acme)])
            #expect(acmePage.text.contains(#"name="tenant" value="acme""#), "acting on acme now")
            let unknown = try await anonymous.send(
                "POST", "/tenant", body: Array("csrf=\(csrf)&tenant=nope".utf8), headers: [HeaderField(name: "Cookie", value: session)]
            )
            #expect(unknown.status == 404)

            let tampered = session.replacingOccurrences(of: "ZGVmYXVsd", with: "YWNtZQ")
            let other = try await anonymous.send("GET", "/deliveries", body: nil, headers: [HeaderField(name: "Cookie", value: tampered)])
            #expect(other.status == 303, "a cookie changed by hand is not a session")
        }
    }
}
