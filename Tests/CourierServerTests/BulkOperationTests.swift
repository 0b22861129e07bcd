import Courier
import CourierTesting
import Foundation
import Testing

/// Bulk operations through the API, carried out by the server's runner, against a real receiver.
@Suite struct BulkOperationTests {
    @Test(arguments: StoreKind.all) func bulkCancelAndRequeueRunInTheBackgroundWithProgressAndSendEachDeliveryOnce(
        _ store: StoreKind
    ) async throws {
        let receiver = try await RecordingReceiver.start { _, _ in RecordingReceiver.Reply(status: 204) }
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            let endpointID = try await server.createEndpoint(url: receiver.url + "/hook")
            #expect(try await server.api.post("/v1/endpoints/\(endpointID)/pause").status == 200)
            let count = 2 * BulkOperation.chunkSize + 100
            for half in [count / 2, count - count / 2] {
                let events = Array(repeating: #"{"type":"case.updated","payload":{"n":1}}"#, count: half).joined(separator: ",")
                #expect(try await server.api.post("/v1/events", "[\(events)]").status == 202)
            }

            let cancel = try await run(server, #"{"action":"cancel","filter":{"endpoint":"\#(endpointID)"}}"#, total: count)
            #expect(cancel["matched"] == .integer(count) && cancel["changed"] == .integer(count), "\(cancel)")
            #expect(try await server.api.post("/v1/endpoints/\(endpointID)/resume").status == 200)
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.requests(path: "/hook").isEmpty, "cancelled deliveries are not sent")

            let requeue = try await run(server, #"{"action":"requeue","filter":{"state":"cancelled"}}"#, total: count)
            #expect(requeue["matched"] == .integer(count) && requeue["changed"] == .integer(count), "\(requeue)")
            // Generous: the whole suite runs at once on two cores, and 1,100 deliveries share them.
            let requests = try await receiver.waitForRequests(count, path: "/hook", timeout: .seconds(180))
            try await eventually("every delivery succeeded") {
                try await server.store.countDeliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(state: .succeeded)) == count
            }
            try await Task.sleep(for: .milliseconds(300))
            let ids = receiver.requests(path: "/hook").compactMap { $0.header("webhook-id") }
            #expect(requests.count == count && ids.count == count && Set(ids).count == count, "each delivery sent once: \(ids.count)")

            let listed = try await server.api.get("/v1/operations")
            #expect(listed["data"]?.arrayValue?.compactMap { $0.objectValue?["action"]?.stringValue } == ["requeue", "cancel"])
            let again = try await server.api.post("/v1/operations/\(requeue["id"]?.stringValue ?? "")/cancel")
            #expect(again.status == 409 && again.errorCode == "conflict", "\(again.text)")
        }
    }

    /// With no runner to advance it, an operation started from the dashboard stays running:
    /// its page follows it (reloading itself) and stops it, and then it is left as it was.
    @Test func theDashboardFollowsARunningBulkActionAndStopsIt() async throws {
        try await TestServer.with(.sqlite, .init(runsOperations: false)) { server in
            let endpointID = try await server.createEndpoint(url: "http://127.0.0.1:9/hook")
            #expect(try await server.api.post("/v1/endpoints/\(endpointID)/pause").status == 200)
            let events = Array(repeating: #"{"type":"case.updated","payload":{}}"#, count: 10).joined(separator: ",")
            #expect(try await server.api.post("/v1/events", "[\(events)]").status == 202)

            let browser = server.api.withToken(nil)
            let signIn = try await browser.send("POST", "/login", body: Array("token=\(TestServer.adminToken)".utf8))
            let cookie = try #require(signIn.headers.first { $0.name.lowercased() == "set-cookie" }?.value.split(separator: ";").first)
            let headers = [HeaderField(name: "Cookie", value: String(cookie))]
            let list = try await browser.send("GET", "/deliveries", body: nil, headers: headers)
            let csrf = try #require(list.text.firstMatch(of: /name="csrf" value="([^"]+)"/).map { String($0.1) })

            let started = try await browser.send(
                "POST", "/deliveries/bulk", body: Array("csrf=\(csrf)&action=cancel&endpoint=\(endpointID)".utf8), headers: headers
            )
            let location = try #require(started.headers.first { $0.name.lowercased() == "location" }?.value)
            #expect(started.status == 303 && location.hasPrefix("/operations/op_"), "\(started.status) \(location)")
            let running = try await browser.send("GET", location, body: nil, headers: headers)
            #expect(running.status == 200)
            #expect(running.text.contains(#"<meta http-equiv="refresh" content="1">"#), "it reloads itself while it runs")
            #expect(running.text.contains("0% · 0 of 10 matching deliveries walked, 0 changed."))
            #expect(running.text.contains(">running<") && running.text.contains("<button>Stop</button>"))

            let stop = try await browser.send("POST", location + "/cancel", body: Array("csrf=\(csrf)".utf8), headers: headers)
            #expect(stop.status == 303)
            let stopped = try await browser.send("GET", location, body: nil, headers: headers)
            #expect(!stopped.text.contains("http-equiv=\"refresh\""), "an ended one does not reload")
            #expect(stopped.text.contains(">cancelled<") && !stopped.text.contains("<button>Stop</button>"))
            #expect(stopped.text.contains("0% · 0 of 10 matching deliveries walked"), "a stopped one shows how far it got")
            let id = String(location.dropFirst("/operations/".count))
            #expect(try await server.api.get("/v1/operations/\(id)")["status"]?.stringValue == "cancelled")
            #expect(
                try await server.store.countDeliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(state: .pending)) == 10,
                "stopped before any chunk: nothing changed"
            )
            let again = try await browser.send("POST", location + "/cancel", body: Array("csrf=\(csrf)".utf8), headers: headers)
            let notice = try #require(again.headers.first { $0.name.lowercased() == "location" }?.value)
            #expect(notice.contains("only%20a%20running%20one"), "a second stop says why it does nothing: \(notice)")
            let forged = try await browser.send("POST", location + "/cancel", body: Array("csrf=forged".utf8), headers: headers)
            #expect(forged.status == 403)
        }
    }

    /// Starts an operation and follows it to its end, as a client would.
    private func run(_ server: TestServer, _ body: String, total: Int) async throws -> JSONObject {
        let started = try await server.api.post("/v1/operations", body)
        #expect(started.status == 202, "\(started.text)")
        let id = try #require(started["id"]?.stringValue)
        #expect(started.headers.first { $0.name.lowercased() == "location" }?.value == "/v1/operations/\(id)")
        #expect(started["status"]?.stringValue == "running" && started["total"] == .integer(total), "\(started.text)")
        var finished = JSONObject()
        try await eventually("the operation finished") {
            finished = try await server.api.get("/v1/operations/\(id)").json.objectValue ?? JSONObject()
            return finished["status"]?.stringValue == "finished"
        }
        #expect(finished["progress"] == .integer(1) && finished["finishedAt"]?.stringValue != nil, "\(finished)")
        return finished
    }

    @Test(arguments: StoreKind.all) func badOperationRequestsAre4xxAndStartNothing(_ store: StoreKind) async throws {
        try await TestServer.with(store) { server in
            for body in [
                #"{"action":"explode","filter":{}}"#, #"{"action":"requeue"}"#, #"{"action":"requeue","filter":{"colour":"red"}}"#,
                #"{"action":"requeue","filter":{"state":"lost"}}"#, #"{"action":"requeue","filter":{"since":"tuesday"}}"#,
                #"{"action":"requeue","filter":{},"now":true}"#, #"{"action":"requeue","filter":[]}"#, "[]", "{", "",
            ] {
                let answer = try await server.api.post("/v1/operations", body)
                #expect(answer.status == 400, "\(body): \(answer.status) \(answer.text)")
            }
            #expect(try await server.api.get("/v1/operations")["data"]?.arrayValue?.isEmpty == true)
            // Each error names its field where it is, in the body and in a list's query alike.
            for (body, field) in [(#"{"state":"lost"}"#, "filter.state"), (#"{"since":"tuesday"}"#, "filter.since"),
                                  (#"{"until":"2026-02-30T00:00:00Z"}"#, "filter.until"), (#"{"colour":"red"}"#, "filter.colour")] {
                let answer = try await server.api.post("/v1/deliveries/bulk", #"{"action":"requeue","filter":\#(body)}"#)
                #expect(answer.status == 400 && answer.errorField == field, "\(body): \(answer.text)")
            }
            #expect(try await server.api.get("/v1/deliveries?state=lost").errorField == "state")
            #expect(try await server.api.get("/v1/operations?colour=red").errorCode == "unknown_field")
            #expect(try await server.api.get("/v1/operations/op_none").status == 404)
            #expect(try await server.api.post("/v1/operations/op_none/cancel").status == 404)

            // Another tenant's operation is not there for them.
            let started = try await server.api.post("/v1/operations", #"{"action":"cancel","filter":{}}"#)
            let id = try #require(started["id"]?.stringValue)
            _ = try await server.api.post("/v1/tenants", #"{"id":"globex"}"#)
            let token = try #require(try await server.api.post("/v1/tenants/globex/tokens", "{}")["token"]?.stringValue)
            let globex = server.api.withToken(token)
            #expect(try await globex.get("/v1/operations/\(id)").status == 404)
            #expect(try await globex.post("/v1/operations/\(id)/cancel").status == 404)
            #expect(try await globex.get("/v1/operations")["data"]?.arrayValue?.isEmpty == true)
        }
    }

    /// Waits up to 180 s for `condition`, polling (the whole suite shares two cores).
    private func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(180)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting: \(what)")
    }
}
