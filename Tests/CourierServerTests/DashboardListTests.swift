import Courier
@testable import CourierServer
import CourierTesting
import Foundation
import Testing

/// The dashboard's lists: they read what they are asked or refuse it as the API does, page
/// what may be long, and ask before a bulk action changes anything.
@Suite struct DashboardListTests {
    typealias Dashboard = DashboardEndpointFormTests.Dashboard

    /// An error page in the dashboard's layout (with its navigation) that names the problem.
    static func expectErrorPage(_ answer: APIClient.Answer, naming problem: String, _ path: String) {
        #expect(answer.status == 400, "\(path): \(answer.status)")
        #expect(answer.text.contains("<nav>") && answer.text.contains(problem), "\(path): \(answer.text)")
    }

    static func location(_ answer: APIClient.Answer) -> String? {
        answer.headers.first { $0.name.lowercased() == "location" }?.value
    }

    /// The `rel="next"` link of a page, as a path.
    static func next(_ answer: APIClient.Answer) -> String? {
        answer.text.firstMatch(of: /href="([^"]+)" rel="next"/).map { String($0.1).replacingOccurrences(of: "&amp;", with: "&") }
    }

    /// The deliveries a list page shows, by id.
    static func listed(_ answer: APIClient.Answer) -> Set<String> {
        Set(answer.text.matches(of: /<td><a href="\/deliveries\/([^"]+)" class="state/).map { String($0.1) })
    }

    @Test(arguments: StoreKind.all) func pagesRefuseQueryParametersTheyDoNotRead(_ kind: StoreKind) async throws {
        try await TestServer.with(kind) { server in
            let dashboard = try await Dashboard.signIn(server)
            for (path, name) in [
                ("/deliveries?status=exhausted", "status"), ("/deliveries?state=exhausted&colour=red", "colour"),
                ("/deliveries?limit=500", "limit"), ("/deliveries/dlv_x?cursor=1", "cursor"), ("/endpoints?limit=5", "limit"),
                ("/endpoints/new?name=crm", "name"), ("/endpoints/ep_x/edit?tab=auth", "tab"), ("/messages?notice=hi", "notice"),
                ("/messages/msg_x?since=today", "since"), ("/operations?state=running", "state"), ("/operations/op_x?all=1", "all"),
                ("/sessions?failed=true&page=2", "page"), ("/sessions?uid=applicant:1&failed=true", "failed"),
            ] {
                Self.expectErrorPage(try await dashboard.get(path), naming: "unknown query parameter \(name)", path)
            }
            // The root passes its query on, to be read or refused there.
            #expect(Self.location(try await dashboard.get("/?status=exhausted")) == "/deliveries?status=exhausted")
            // What a page reads it takes, an untouched form's empty fields too.
            for path in [
                "/deliveries?endpoint=&state=&type=&key=&event=&batch=&since=&until=", "/deliveries?notice=Done", "/endpoints?notice=Saved",
                "/messages?direction=&status=&backend=&since=", "/sessions?uid=&failed=true&prefix=", "/sessions?uid=applicant:1&notice=Replayed",
                "/operations?notice=Stopped",
            ] {
                #expect(try await dashboard.get(path).status == 200, "\(path)")
            }
            // Bulk actions are in the navigation.
            #expect(try await dashboard.get("/deliveries").text.contains(#"<a href="/operations">Bulk actions</a>"#))
            #expect(try await dashboard.get("/operations").text.contains(#"<a href="/operations" aria-current="page">Bulk actions</a>"#))
        }
    }

    @Test(arguments: StoreKind.all) func badValuesAreA400PageAsTheyAreInTheAPI(_ kind: StoreKind) async throws {
        try await TestServer.with(kind) { server in
            let dashboard = try await Dashboard.signIn(server)
            let gateway = try await server.createEndpoint(url: "http://127.0.0.1:9/gw", eventTypes: [], extra: #""name":"gw""#)
            #expect(try await server.api.post("/v1/endpoints/\(gateway)/pause").status == 200)
            let message = try await server.api.post("/v1/messages", #"{"text":"Clinic open Monday","to":[{"backend":"gw","identity":"+1"}]}"#)
            let messageID = try #require(message["id"]?.stringValue)
            for (path, problem) in [
                ("/deliveries?cursor=garbage", "cursor is not one this list gave out"), ("/deliveries?state=exhaused", "state must be one of"),
                ("/deliveries?since=yesterday", "since must be an RFC 3339"), ("/messages?cursor=bad", "cursor is not one this list gave out"),
                ("/messages?since=yesterday", "since must be an RFC 3339"), ("/messages?direction=sideways", "direction must be in or out"),
                ("/endpoints?cursor=bad", "cursor is not one this list gave out"), ("/operations?cursor=bad", "cursor is not one this list gave out"),
                ("/sessions?failed=maybe", "failed must be true or false"), ("/sessions?cursor=bad", "cursor"),
            ] {
                #expect(try await server.api.get("/v1" + path).status == 400, "the API refuses \(path) too")
                Self.expectErrorPage(try await dashboard.get(path), naming: problem, path)
            }
            Self.expectErrorPage(
                try await dashboard.get("/messages/\(messageID)?cursor=bad"), naming: "cursor is not one this list gave out", "a message's cursor"
            )
            // `since` is read, not ignored.
            let earlier = try await dashboard.get("/messages?since=2020-01-01T00:00:00Z")
            #expect(earlier.text.contains("/messages/\(messageID)"))
            let later = try await dashboard.get("/messages?since=\(Timestamp.format(Date().addingTimeInterval(3600)))")
            #expect(later.status == 200 && !later.text.contains("/messages/\(messageID)") && later.text.contains("No message matches."))
            // A time as the pages show it (UTC, a space for the T) is taken too: copied from a row into a filter.
            let shown = DashboardRoutes.short(Date().addingTimeInterval(3600)).replacingOccurrences(of: " ", with: "%20")
            #expect(try await dashboard.get("/messages?since=\(shown)").text.contains("No message matches."))
            #expect(try await dashboard.get("/messages?since=2020-01-01%2000:00:00").text.contains("/messages/\(messageID)"))
            #expect(DashboardRoutes.timeAsShown("2020-02-30 00:00:00") == "2020-02-30 00:00:00", "an impossible time is left to be refused")
        }
    }

    @Test(arguments: StoreKind.all) func theDeliveriesListFiltersByBatchAndAnOperationLinksToThatList(_ kind: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }
        try await TestServer.with(kind, .init(runsOperations: false)) { server in
            _ = try await server.createEndpoint(
                url: receiver.url + "/batched", eventTypes: ["case.*"], extra: #""batch":{"maxSize":2,"maxWaitMs":60000}"#
            )
            _ = try await server.createEndpoint(url: receiver.url + "/single", eventTypes: ["other.*"])
            let events = try await BatchDeliveryTests.publish(server, count: 2)
            _ = try await server.publish(type: "other.thing")
            let batchRequest = try #require(try await receiver.waitForRequests(1, path: "/batched").first)
            let carrier = try #require(batchRequest.header("webhook-id"))
            let members = try await server.api.get("/v1/deliveries?batch=\(carrier)")
            let memberIDs = Set(members["data"]?.arrayValue?.compactMap { $0.objectValue?["id"]?.stringValue } ?? [])
            #expect(memberIDs.count == 2, "\(members.text)")
            for event in events { #expect(try await server.deliveries(ofEvent: event).first?.string("batchId") == carrier) }

            let dashboard = try await Dashboard.signIn(server)
            let all = try await dashboard.get("/deliveries")
            #expect(Self.listed(all).count == 4 && Self.listed(all).isSuperset(of: memberIDs), "the events' deliveries, their batch and the other event's")
            let filtered = try await dashboard.get("/deliveries?batch=\(carrier)")
            #expect(filtered.status == 200 && Self.listed(filtered) == memberIDs, "\(filtered.text)")
            #expect(filtered.text.contains(#"<input type="hidden" name="batch" value="\#(carrier)">"#), "the bulk form carries the filter")
            #expect(filtered.text.contains(#"name="batch" value="\#(carrier)" size"#), "the filter form shows it")

            let confirm = try await dashboard.post("/deliveries/bulk/confirm", ["action": "resend", "batch": carrier])
            #expect(confirm.text.contains("Resend 2 deliveries?") && confirm.text.contains("the deliveries where batch \(carrier)"), "\(confirm.text)")
            let started = try await dashboard.post("/deliveries/bulk", ["action": "resend", "batch": carrier])
            let operation = try #require(Self.location(started))
            #expect(try await dashboard.get(operation).text.contains(#"<a href="/deliveries?batch=\#(carrier)">The deliveries this filter matches →</a>"#))
        }
    }

    @Test(arguments: StoreKind.all) func bulkButtonsShowTheCountAndAskBeforeAnythingChanges(_ kind: StoreKind) async throws {
        try await TestServer.with(kind, .init(runsOperations: false)) { server in
            let crm = try await server.createEndpoint(url: "http://127.0.0.1:9/crm", eventTypes: ["case.*"])
            let audit = try await server.createEndpoint(url: "http://127.0.0.1:9/audit", eventTypes: ["audit.*"])
            for id in [crm, audit] { #expect(try await server.api.post("/v1/endpoints/\(id)/pause").status == 200) }
            _ = try await BatchDeliveryTests.publish(server, count: 10)
            for _ in 0..<3 { _ = try await server.publish(type: "audit.read") }
            let dashboard = try await Dashboard.signIn(server)

            let list = try await dashboard.get("/deliveries")
            #expect(list.text.contains(#"Every delivery of tenant default (<b class="matching">13</b>)"#), "\(list.text)")
            #expect(list.text.contains(#"<form method="post" action="/deliveries/bulk/confirm" class="bulk">"#))
            #expect(list.text.contains(#"<select name="endpoint">"#), "a few endpoints: a select")
            let filtered = try await dashboard.get("/deliveries?endpoint=\(crm)&state=pending")
            #expect(filtered.text.contains(#"Every delivery this filter matches (<b class="matching">10</b>)"#))
            let none = try await dashboard.get("/deliveries?state=exhausted")
            #expect(none.text.contains("nothing to act on in bulk") && !none.text.contains(#"value="requeue""#))

            // The buttons ask first, naming the action and the count; nothing has changed.
            let asked = try await dashboard.post("/deliveries/bulk/confirm", ["action": "cancel"])
            #expect(asked.status == 200 && asked.text.contains("<h1>Cancel 13 deliveries?</h1>"), "\(asked.text)")
            #expect(asked.text.contains("every delivery of tenant default") && asked.text.contains("That is the whole tenant."))
            #expect(asked.text.contains(#"<form method="post" action="/deliveries/bulk" class="actions">"#))
            #expect(asked.text.contains(#"<input type="hidden" name="csrf" value="\#(dashboard.csrf)">"#))
            #expect(asked.text.contains(#"<button name="action" value="cancel">Cancel 13 deliveries</button>"#))
            #expect(try await server.api.get("/v1/operations")["data"]?.arrayValue?.isEmpty == true)
            #expect(try await server.store.countDeliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(state: .pending)) == 13)
            // Both steps need the form's token.
            for path in ["/deliveries/bulk/confirm", "/deliveries/bulk"] {
                let forged = try await server.api.withToken(nil).send("POST", path, body: Array("csrf=forged&action=cancel".utf8), headers: [dashboard.cookie])
                #expect(forged.status == 403, "\(path)")
            }
            #expect(try await server.api.get("/v1/operations")["data"]?.arrayValue?.isEmpty == true)

            // Over a filter, the confirmation carries it on to the operation.
            let scoped = try await dashboard.post("/deliveries/bulk/confirm", ["action": "cancel", "endpoint": crm, "type": "case.updated"])
            #expect(scoped.text.contains("<h1>Cancel 10 deliveries?</h1>") && !scoped.text.contains("whole tenant"), "\(scoped.text)")
            #expect(scoped.text.contains(#"<input type="hidden" name="endpoint" value="\#(crm)">"#))
            let started = try await dashboard.post("/deliveries/bulk", ["action": "cancel", "endpoint": crm, "type": "case.updated"])
            let location = try #require(Self.location(started))
            #expect(started.status == 303 && location.hasPrefix("/operations/op_"))
            let operation = try await server.api.get("/v1" + location)
            #expect(operation["total"]?.doubleValue == 10 && operation["filter"]?.objectValue?["endpoint"] == .string(crm), "\(operation.text)")
            let nothing = try await dashboard.post("/deliveries/bulk/confirm", ["action": "requeue", "state": "exhausted"])
            #expect(nothing.text.contains("there is nothing to requeue") && !nothing.text.contains(#"action="/deliveries/bulk""#))
        }
    }

    @Test(arguments: StoreKind.all) func moreEndpointsThanASelectShowsArePagedAndFilteredByTheirID(_ kind: StoreKind) async throws {
        try await TestServer.with(kind) { server in
            let t0 = Date()
            var made: [String] = []
            for i in 0..<520 {
                let endpoint = Endpoint(
                    id: Identifier.make("ep", now: t0.addingTimeInterval(Double(i) / 1000)), tenantID: Tenant.defaultID,
                    url: "https://example.com/\(i)", eventTypes: [], secret: WebhookSecret.generate().description, createdAt: t0, updatedAt: t0
                )
                try await server.store.insertEndpoint(endpoint)
                made.append(endpoint.id)
            }
            let dashboard = try await Dashboard.signIn(server)
            var shown: [String] = []
            var path: String? = "/endpoints"
            var pages = 0
            while let current = path, pages < 20 {
                let page = try await dashboard.get(current)
                #expect(page.status == 200, "\(current)")
                shown += page.text.matches(of: /<small><code>(ep_[^<]+)<\/code><\/small>/).map { String($0.1) }
                path = Self.next(page)
                pages += 1
            }
            #expect(pages == 11 && shown.count == 520 && Set(shown) == Set(made), "\(pages) pages, \(shown.count) endpoints")
            let oldest = made[0]
            #expect(try await dashboard.get("/endpoints/\(oldest)/edit").status == 200)

            // Too many for a select: a field for the id, which filters.
            let list = try await dashboard.get("/deliveries")
            #expect(!list.text.contains(#"<select name="endpoint">"#) && list.text.contains(#"<input name="endpoint" value="""#), "\(list.text)")
            let filtered = try await dashboard.get("/deliveries?endpoint=\(oldest)")
            #expect(filtered.status == 200 && filtered.text.contains(#"<input name="endpoint" value="\#(oldest)""#))
            #expect(filtered.text.contains(#"<input type="hidden" name="endpoint" value="\#(oldest)">"#))
        }
    }

    @Test(arguments: StoreKind.all) func aMessageToManyShowsItsRecipientsAPageAtATime(_ kind: StoreKind) async throws {
        try await TestServer.with(kind) { server in
            let gateway = try await server.createEndpoint(url: "http://127.0.0.1:9/gw", eventTypes: [], extra: #""name":"gw""#)
            #expect(try await server.api.post("/v1/endpoints/\(gateway)/pause").status == 200)
            let to = (0..<120).map { #"{"backend":"gw","identity":"+\#($0)"}"# }.joined(separator: ",")
            let message = try await server.api.post("/v1/messages", #"{"text":"Clinic open Monday","to":[\#(to)]}"#)
            let id = try #require(message["id"]?.stringValue)
            let dashboard = try await Dashboard.signIn(server)
            var identities: [String] = []
            var path: String? = "/messages/\(id)"
            var pages = 0
            while let current = path, pages < 10 {
                let page = try await dashboard.get(current)
                #expect(page.status == 200 && page.text.contains("120 queued"), "\(current): \(page.text)")
                #expect(page.text.contains("120 recipients, 50 a page"))
                identities += page.text.matches(of: /<td>gw<\/td><td>(\+\d+)<\/td>/).map { String($0.1) }
                path = Self.next(page)
                pages += 1
            }
            #expect(pages == 3 && identities == (0..<120).map { "+\($0)" }, "\(pages) pages: \(identities)")
        }
    }
}
