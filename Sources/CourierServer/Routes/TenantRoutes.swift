import Courier
import Foundation
import Hummingbird

/// `POST /v1/tenants` and `POST /v1/tenants/{tenant}/tokens`: the admin's calls.
struct TenantRoutes {
    let store: any Store
    let body: RequestBody

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
            return JSONResponse.make(status: .created, .object(JSONObject([
                "id": .string(token.id), "tenantId": .string(tenantID), "name": .optional(name),
                // Shown once: only its hash is kept.
                "token": .string(secret), "createdAt": .date(token.createdAt),
            ])))
        }
    }
}
