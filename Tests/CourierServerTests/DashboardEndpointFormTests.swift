import Courier
@testable import CourierServer
import CourierTesting
import Foundation
import Testing

/// The dashboard's endpoint form: every setting shown and read back through the API's own
/// reader, credentials never shown and kept when left empty, and mistakes sent back to correct.
/// (`DashboardBrowserTests` does the same in a real browser, for one endpoint.)
@Suite struct DashboardEndpointFormTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static let endpoints: [Endpoint] = {
        func endpoint(_ id: String, _ change: (inout Endpoint) throws -> Void) -> Endpoint {
            var endpoint = Endpoint(
                id: id, tenantID: "default", url: "https://example.com/\(id)", eventTypes: [], secret: WebhookSecret.generate().description,
                createdAt: t0, updatedAt: t0
            )
            try! change(&endpoint)
            return endpoint
        }
        return [
            endpoint("ep_defaults") { _ in },
            endpoint("ep_batch") {
                $0.name = "crm"
                $0.description = "Leads, \"quoted\" & <escaped>"
                $0.method = .put
                $0.eventTypes = [try EventTypePattern("case.*"), try EventTypePattern("lead.created")]
                $0.headers = ["X-Tenant": "acme", "X-Trace": "a: b"]
                $0.retry = .exponential(.init(initial: 2.5, factor: 3, max: 600, maxAttempts: 7, maxAge: 3600))
                $0.batch = BatchPolicy(maxSize: 50, maxWaitMs: 2000)
                $0.format = .raw
                $0.statusOverrides = StatusOverrides(retry: [404, 409], noRetry: [503])
                $0.auth = .basic(username: "courier", password: "p@ss:word secret-1")
                $0.maxInFlight = 4
                $0.rateLimit = RateLimit(requests: 100, seconds: 60)
                $0.timeoutSeconds = 90
            },
            endpoint("ep_template") {
                $0.retry = .fixed(retries: 5, interval: 60)
                $0.ordered = true
                // Line breaks as a browser posts them back, and a leading one that HTML would drop.
                $0.format = .template(try PayloadTemplate(source: "\nid,type\r\n{{id}},{{type}}\n", contentType: "text/csv"))
                $0.description = "several\nlines,\r\nas written  "
                $0.headers = ["X-Spaced": "a  b"]
                $0.auth = .oauth2(OAuth2ClientCredentials(
                    tokenURL: "https://auth.example.com/token", clientID: "courier", clientSecret: "secret-2", scope: "hooks", audience: "crm"
                ))
            },
            endpoint("ep_delays") {
                $0.retry = .delays([1, 2.5, 0])
                $0.batch = BatchPolicy(maxWaitMs: 10)
                $0.format = .envelope
                $0.auth = .apiKey(header: "X-Api-Key", value: "secret-3")
            },
            endpoint("ep_commcare") {
                $0.retry = .commcare
                $0.format = .form
                $0.auth = .bearer(token: "secret-4")
            },
            endpoint("ep_once") {
                $0.retry = .delays([])
                $0.format = .xml
            },
        ]
    }()

    /// The fields as a browser posts them: every shown value, textareas with CR LF line breaks.
    static func posted(_ form: EndpointForm, changing changes: [String: String] = [:]) -> FormFields {
        var values = form.values
        for name in ["headers", "formatTemplate", "description"] {
            values[name] = values[name]?.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        }
        values.merge(changes) { $1 }
        return FormFields(values.map { "\($0.key)=\(DashboardRoutes.escape($0.value))" }.joined(separator: "&"))
    }

    static func saved(_ endpoint: Endpoint, _ fields: FormFields) throws -> Endpoint {
        try endpoint.applying(try EndpointChanges(json: try EndpointForm(posted: fields).json(editing: endpoint)), now: endpoint.updatedAt)
    }

    @Test(arguments: endpoints) func savingTheFormUnchangedChangesNothing(_ endpoint: Endpoint) throws {
        let form = EndpointForm(showing: endpoint)
        #expect(try Self.saved(endpoint, Self.posted(form)) == endpoint)
        let shown = form.data(stored: endpoint).values.map { "\($0)" }.joined(separator: "\n")
        for secret in ["secret-1", "secret-2", "secret-3", "secret-4"] { #expect(!shown.contains(secret), "\(secret) shown") }
    }

    @Test func theNewEndpointFormMakesTheAPIsDefaults() throws {
        let form = EndpointForm(showing: nil)
        let fields = Self.posted(form, changing: ["url": "https://example.com/new"])
        let made = try Endpoint(
            creating: try EndpointChanges(json: try EndpointForm(posted: fields).json(editing: nil)), id: "ep_new", tenantID: "default", now: Self.t0
        )
        let api = try Endpoint(
            creating: try EndpointChanges(json: try JSONParser.parse(#"{"url":"https://example.com/new","eventTypes":["*"]}"#)),
            id: "ep_new", tenantID: "default", now: Self.t0
        )
        #expect(made == Endpoint(
            id: "ep_new", tenantID: "default", url: api.url, eventTypes: api.eventTypes, secret: made.secret, createdAt: Self.t0, updatedAt: Self.t0
        ))
        #expect(form.data(stored: nil).filter { $0.key.hasPrefix("open") }.allSatisfy { $0.value as? Bool == false })
    }

    @Test func credentialsLeftEmptyAreKeptAndNoneRemovesThem() throws {
        let endpoint = Self.endpoints[1]
        let form = EndpointForm(showing: endpoint)
        // A new username with the password left empty keeps the password.
        let renamed = try Self.saved(endpoint, Self.posted(form, changing: ["authUsername": "other"]))
        #expect(renamed.auth == .basic(username: "other", password: "p@ss:word secret-1"))
        let typed = try Self.saved(endpoint, Self.posted(form, changing: ["authPassword": "new one"]))
        #expect(typed.auth == .basic(username: "courier", password: "new one"))
        #expect(try Self.saved(endpoint, Self.posted(form, changing: ["auth": "none"])).auth == nil)
        // Another type needs its own credential: the stored one is not carried over.
        #expect(throws: CourierError.self) { try Self.saved(endpoint, Self.posted(form, changing: ["auth": "bearer"])) }
        let bearer = try Self.saved(endpoint, Self.posted(form, changing: ["auth": "bearer", "authToken": "tok"]))
        #expect(bearer.auth == .bearer(token: "tok"))
    }

    @Test func mistakesNameTheFieldAndItsGroup() throws {
        let endpoint = Self.endpoints[1]
        let form = EndpointForm(showing: endpoint)
        for (changes, field, group) in [
            (["headers": "X-Tenant acme"], "headers", "openRequest"),
            (["headers": "Content-Type: text/plain"], "headers.Content-Type", "openRequest"),
            (["batchMaxSize": "fifty"], "batch.maxSize", "openDelivery"),
            (["batchMaxSize": "5000"], "batch.maxSize", "openDelivery"),
            (["ordered": "on"], "ordered", "openDelivery"),
            (["rateLimitRequests": "", "rateLimitSeconds": "60"], "rateLimit.requests", "openDelivery"),
            (["rateLimitRequests": "5000", "rateLimitSeconds": "1"], "rateLimit.requests", "openDelivery"),
            (["timeoutSeconds": "0"], "timeoutSeconds", "openRequest"),
            (["timeoutSeconds": "soon"], "timeoutSeconds", "openRequest"),
            (["retryMaxAttempts": "2.5"], "retry.maxAttempts", "openRetry"),
            (["retry": "delays", "retryDelays": "5 soon"], "retry.delays", "openRetry"),
            (["retryStatuses": "404 200"], "statusOverrides.retry[1]", "openStatuses"),
            (["format": "template", "formatTemplate": "{{#open}}"], "format.template", "openFormat"),
            (["auth": "oauth2", "authTokenUrl": "ftp://x", "authClientId": "c", "authClientSecret": "s"], "auth.tokenUrl", "openAuth"),
        ] as [([String: String], String, String)] {
            do {
                _ = try Self.saved(endpoint, Self.posted(form, changing: changes))
                Issue.record("\(changes) was accepted")
            } catch let error as CourierError {
                #expect(error.kind == .invalid && error.field == field, "\(changes): \(error)")
                let data = EndpointForm(posted: Self.posted(form, changing: changes)).data(stored: endpoint)
                #expect(data[group] as? Bool == true, "\(changes) opens \(group)")
            }
        }
    }

    // MARK: Through the server

    struct Dashboard {
        let server: TestServer
        let cookie: HeaderField
        let csrf: String

        static func signIn(_ server: TestServer, token: String = TestServer.adminToken) async throws -> Dashboard {
            let anonymous = server.api.withToken(nil)
            let signIn = try await anonymous.send("POST", "/login", body: Array("token=\(token)".utf8))
            let session = try #require(signIn.headers.first { $0.name.lowercased() == "set-cookie" }?.value.split(separator: ";").first)
            let cookie = HeaderField(name: "Cookie", value: String(session))
            let page = try await anonymous.send("GET", "/endpoints/new", body: nil, headers: [cookie])
            let csrf = try #require(page.text.firstMatch(of: /name="csrf" value="([^"]+)"/).map { String($0.1) })
            return Dashboard(server: server, cookie: cookie, csrf: csrf)
        }

        func get(_ path: String) async throws -> APIClient.Answer {
            try await server.api.withToken(nil).send("GET", path, body: nil, headers: [cookie])
        }

        func post(_ path: String, _ fields: [String: String]) async throws -> APIClient.Answer {
            let body = (fields.merging(["csrf": csrf]) { $1 }).map { "\($0.key)=\(DashboardRoutes.escape($0.value))" }.joined(separator: "&")
            return try await server.api.withToken(nil).send("POST", path, body: Array(body.utf8), headers: [cookie])
        }
    }

    static let newEndpoint: [String: String] = [
        "name": "audit", "url": "https://example.com/audit", "eventTypes": "audit.*", "maxInFlight": "8", "method": "PUT",
        "headers": "X-Source: courier\r\nX-Env: test", "retry": "fixed", "retryRetries": "2", "retryInterval": "30",
        "batchMaxSize": "20", "batchMaxWaitMs": "500", "format": "raw", "retryStatuses": "404", "noRetryStatuses": "",
        "auth": "bearer", "authToken": "tok-7c1e", "rateLimitRequests": "5", "rateLimitSeconds": "",
    ]

    @Test(arguments: StoreKind.all) func theFormCreatesEditsAndRefusesAsTheAPIDoes(_ kind: StoreKind) async throws {
        try await TestServer.with(kind) { server in
            let dashboard = try await Dashboard.signIn(server)
            let created = try await dashboard.post("/endpoints/new", Self.newEndpoint)
            #expect(created.status == 200 && created.text.contains("Created audit"), "\(created.text)")
            let listed = try await server.api.get("/v1/endpoints")
            let id = try #require(listed["data"]?.arrayValue?.first?.objectValue?["id"]?.stringValue)
            let stored = try #require(try await server.store.endpoint(tenantID: "default", id: id))
            #expect(stored.method == .put && stored.headers == ["X-Source": "courier", "X-Env": "test"] && stored.maxInFlight == 8)
            #expect(stored.retry == .fixed(retries: 2, interval: 30) && stored.batch == BatchPolicy(maxSize: 20, maxWaitMs: 500))
            #expect(stored.format == .raw && stored.statusOverrides == StatusOverrides(retry: [404]) && stored.auth == .bearer(token: "tok-7c1e"))
            #expect(stored.rateLimit == RateLimit(requests: 5, seconds: 1), "seconds left empty are one")

            let edit = try await dashboard.get("/endpoints/\(id)/edit")
            #expect(edit.status == 200 && !edit.text.contains("tok-7c1e"), "the token is never shown")
            #expect(edit.text.contains("stored: leave empty to keep"))

            // A mistake: refused with the problem named and what was typed kept (but the
            // credential), and nothing changed.
            var wrong = EndpointForm(showing: stored).values
            wrong.merge(["headers": "X-Source courier", "authToken": "tok-new", "description": "typed"]) { $1 }
            let refused = try await dashboard.post("/endpoints/\(id)/save", wrong)
            #expect(refused.status == 400 && refused.text.contains("is not a Name: value line"), "\(refused.text)")
            #expect(refused.text.contains("X-Source courier") && refused.text.contains("typed</textarea>"))
            #expect(!refused.text.contains("tok-new") && !refused.text.contains("tok-7c1e"))
            #expect(refused.text.contains("type it again"), "the person knows the typed token was not kept")
            #expect(try await server.store.endpoint(tenantID: "default", id: id) == stored)
            var ordered = EndpointForm(showing: stored).values
            ordered["ordered"] = "on"
            let combined = try await dashboard.post("/endpoints/\(id)/save", ordered)
            #expect(combined.status == 400 && combined.text.contains("cannot be combined"))

            // Saved unchanged: nothing changes, the token included; None removes it.
            let same = try await dashboard.post("/endpoints/\(id)/save", EndpointForm(showing: stored).values)
            #expect(same.status == 303)
            var after = try #require(try await server.store.endpoint(tenantID: "default", id: id))
            after.updatedAt = stored.updatedAt
            #expect(after == stored)
            var none = EndpointForm(showing: stored).values
            none["auth"] = "none"
            #expect(try await dashboard.post("/endpoints/\(id)/save", none).status == 303)
            #expect(try await server.store.endpoint(tenantID: "default", id: id)?.auth == nil)
            var unlimited = EndpointForm(showing: try await server.store.endpoint(tenantID: "default", id: id)).values
            unlimited["rateLimitRequests"] = ""
            unlimited["rateLimitSeconds"] = ""
            #expect(try await dashboard.post("/endpoints/\(id)/save", unlimited).status == 303)
            #expect(try await server.store.endpoint(tenantID: "default", id: id)?.rateLimit == nil, "both empty: no limit")
            let named = try await dashboard.post("/endpoints/new", Self.newEndpoint.merging(["batchMaxSize": "x"]) { $1 })
            #expect(named.status == 400 && named.text.contains("batch.maxSize must be a number"))
            #expect(try await server.api.get("/v1/endpoints")["data"]?.arrayValue?.count == 1, "nothing made")
        }
    }

    @Test func theEndpointsPageShowsThroughput() async throws {
        let receiver = try await RecordingReceiver.start { _, _ in .ok }
        defer { Task { await receiver.stop() } }
        try await TestServer.with(.sqlite) { server in
            let id = try await server.createEndpoint(url: receiver.url + "/hook")
            var events: [String] = []
            for _ in 0..<3 { events.append(try await server.publish()) }
            for event in events {
                let delivery = try #require(try await server.deliveries(ofEvent: event).first?.string("id"))
                try await server.waitForDelivery(delivery) { $0.state == "succeeded" }
            }
            let page = try await Dashboard.signIn(server).get("/endpoints")
            let row = try #require(page.text.firstMatch(of: /<code>([^<]+)<\/code>[\s\S]*?<td class="throughput">([^<]+)<br><small>([^<]+)</))
            #expect(row.1 == id && row.2 == "0.2/min" && row.3 == "3 in 15 min", "\(page.text)")
        }
    }
}

/// Test cases named by the endpoint's id rather than every field (and credential) it holds.
extension Endpoint: CustomTestStringConvertible {
    public var testDescription: String { id }
}
