import Courier
import Foundation
import Hummingbird

/// Tenants and their tokens: the admin's calls.
struct TenantRoutes {
    let store: any Store
    let body: RequestBody
    /// This node's cache of accepted tokens, which a deleted token leaves at once.
    let tokenCache: TokenCache
    /// Ends, for good, the dashboard sessions a revoked token signed in.
    let endSessions: @Sendable (_ tokenHash: String) async throws -> Void

    func add(to group: RouterGroup<CourierRequestContext>) {
        group.post("tenants") { request, context in
            try context.requireAdmin()
            var reader = try JSONFieldReader(try await body.json(request))
            let id = try reader.requiredString("id")
            let name = try reader.string("name", maximumBytes: 256)
            try reader.rejectUnknownFields()
            try Tenant.validate(id: id)
            let tenant = Tenant(id: id, name: name, createdAt: Date())
            try await store.createTenant(tenant)
            return JSONResponse.make(status: .created, tenant.json)
        }
        group.post("tenants/:tenant/tokens") { request, context in
            try context.requireAdmin()
            let tenantID = try context.parameters.require("tenant")
            var reader = try JSONFieldReader(try await body.optionalJSON(request))
            let name = try reader.string("name", maximumBytes: 256)
            try reader.rejectUnknownFields()
            guard try await store.tenant(id: tenantID) != nil else {
                throw CourierError(.notFound, code: "tenant_not_found", message: "tenant \(tenantID) not found")
            }
            let secret = TokenSecret.generate()
            let token = APIToken(
                id: Identifier.make("tok"), tenantID: tenantID, hash: TokenSecret.hash(secret), name: name, createdAt: Date()
            )
            try await store.insertToken(token)
            var shown = token.json
            // Shown once: only its hash is kept.
            shown["token"] = .string(secret)
            return JSONResponse.make(status: .created, .object(shown))
        }
        group.get("tenants/:tenant/tokens") { request, context in
            try context.requireAdmin()
            try request.noQueryParameters()
            let tenantID = try await existingTenant(context)
            let tokens = try await store.tokens(tenantID: tenantID)
            // A tenant has a few tokens, not pages of them: one answer in the list's shape, newest first.
            return JSONResponse.make(.object(JSONObject(["data": .array(tokens.map { .object($0.json) }), "nextCursor": .null])))
        }
        // Revokes a token: the API refuses it at once on this node and within the cache's
        // lifetime on the others, and the dashboard sessions it signed in end.
        group.delete("tenants/:tenant/tokens/:id") { request, context in
            try context.requireAdmin()
            try await body.nothing(request)
            let tenantID = try await existingTenant(context)
            let id = try context.parameters.require("id")
            guard let token = try await store.tokens(tenantID: tenantID).first(where: { $0.id == id }) else {
                throw CourierError(.notFound, code: "token_not_found", message: "token not found")
            }
            // Its sessions end first: if the store fails between the two, the token is still
            // there to revoke again, where the other order would leave sessions nobody could end.
            try await endSessions(token.hash)
            tokenCache.remove(token.hash)
            guard try await store.deleteToken(tenantID: tenantID, id: id) != nil else {
                throw CourierError(.notFound, code: "token_not_found", message: "token not found")
            }
            return Response(status: .noContent)
        }
    }

    private func existingTenant(_ context: CourierRequestContext) async throws -> String {
        let tenantID = try context.parameters.require("tenant")
        guard try await store.tenant(id: tenantID) != nil else {
            throw CourierError(.notFound, code: "tenant_not_found", message: "tenant \(tenantID) not found")
        }
        return tenantID
    }
}
