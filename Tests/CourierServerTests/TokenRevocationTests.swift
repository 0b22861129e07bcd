import Courier
@testable import CourierServer
import CourierTesting
import Foundation
import Testing

/// A tenant's token leaks: the admin lists the tenant's tokens and revokes that one. From then
/// on it opens nothing, neither the API (though this node had it cached) nor the dashboard
/// sessions it signed in, and the tenant's other tokens go on working.
@Suite struct TokenRevocationTests {
    @Test(arguments: StoreKind.all) func aRevokedTokenOpensNothingAtOnce(_ kind: StoreKind) async throws {
        try await TestServer.with(kind) { server in
            #expect(try await server.api.post("/v1/tenants", #"{"id":"acme"}"#).status == 201)
            let leaked = try await server.api.post("/v1/tenants/acme/tokens", #"{"name":"laptop"}"#)
            let kept = try await server.api.post("/v1/tenants/acme/tokens", #"{"name":"ci"}"#)
            let leakedToken = try #require(leaked["token"]?.stringValue)
            let leakedID = try #require(leaked["id"]?.stringValue)
            let keptToken = try #require(kept["token"]?.stringValue)
            // Used once, so that this node has it cached, and signed in to the dashboard.
            #expect(try await server.api.withToken(leakedToken).get("/v1/endpoints").status == 200)
            let dashboard = try await DashboardEndpointFormTests.Dashboard.signIn(server, token: leakedToken)
            #expect(try await dashboard.get("/deliveries").status == 200)

            let listed = try await server.api.get("/v1/tenants/acme/tokens")
            #expect(listed.status == 200, "\(listed.text)")
            let tokens = listed["data"]?.arrayValue?.compactMap(\.objectValue) ?? []
            #expect(tokens.map { $0.string("name") } == ["ci", "laptop"], "newest first: \(listed.text)")
            #expect(tokens.allSatisfy { $0["token"] == nil && $0["hash"] == nil }, "never the token nor its hash: \(listed.text)")
            #expect(listed["nextCursor"] == .null)

            // Only the admin lists and revokes.
            let tenant = server.api.withToken(keptToken)
            #expect(try await tenant.get("/v1/tenants/acme/tokens").errorCode == "admin_only")
            #expect(try await tenant.send("DELETE", "/v1/tenants/acme/tokens/\(leakedID)", body: nil).errorCode == "admin_only")

            // No pause before revoking: a session made in the same millisecond ends too.
            let revoked = try await server.api.send("DELETE", "/v1/tenants/acme/tokens/\(leakedID)", body: nil)
            #expect(revoked.status == 204, "\(revoked.text)")
            let refused = try await server.api.withToken(leakedToken).get("/v1/endpoints")
            #expect(refused.status == 401 && refused.errorCode == "unauthenticated", "cached, but revoked: \(refused.text)")
            let page = try await dashboard.get("/deliveries")
            #expect(page.status == 303, "the session it signed in is over")
            let signIn = try await server.api.withToken(nil).send("POST", "/login", body: Array("token=\(leakedToken)".utf8))
            #expect(signIn.status != 303, "nor can it sign in again")
            #expect(try await tenant.get("/v1/endpoints").status == 200, "the tenant's other token works")
            #expect(try await server.api.get("/v1/tenants/acme/tokens")["data"]?.arrayValue?.count == 1)

            #expect(try await server.api.send("DELETE", "/v1/tenants/acme/tokens/\(leakedID)", body: nil).errorCode == "token_not_found")
            #expect(try await server.api.send("DELETE", "/v1/tenants/nobody/tokens/\(leakedID)", body: nil).errorCode == "tenant_not_found")
            #expect(try await server.api.get("/v1/tenants/nobody/tokens").errorCode == "tenant_not_found")
            // Another tenant's token is not found through this one.
            #expect(try await server.api.post("/v1/tenants", #"{"id":"globex"}"#).status == 201)
            let keptID = try #require(kept["id"]?.stringValue)
            #expect(try await server.api.send("DELETE", "/v1/tenants/globex/tokens/\(keptID)", body: nil).errorCode == "token_not_found")
            #expect(try await tenant.get("/v1/endpoints").status == 200)
        }
    }

    /// Another node sharing the database has the token cached; it reads the store again once
    /// its entry is older than the cache's lifetime.
    @Test func cachedTokensAreReadAgainOnceTheirLifetimeIsOver() async throws {
        let cache = TokenCache(lifetime: .milliseconds(50))
        cache.put("h", .tenant("acme"))
        #expect(cache.get("h") == .tenant("acme"))
        try await Task.sleep(for: .milliseconds(100))
        #expect(cache.get("h") == nil, "past its lifetime")
        // A request that read the token just before it was deleted does not put it back.
        let revoking = TokenCache()
        revoking.put("h", .tenant("acme"))
        revoking.remove("h")
        #expect(revoking.get("h") == nil, "removed")
        revoking.put("h", .tenant("acme"))
        #expect(revoking.get("h") == nil, "not put back after its removal")
        #expect(TokenCache.lifetime == .seconds(30), "as the README and the API document say")
    }
}
