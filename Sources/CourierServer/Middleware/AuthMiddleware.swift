import Courier
import HTTPTypes
import Foundation
import Hummingbird
import Logging

/// Checks the bearer token and settles which tenant the request acts on.
///
/// Tenant tokens act on their own tenant. The admin token acts on the tenant named in the
/// `Courier-Tenant` header, or on `default` without one. Accepted token hashes are cached
/// (``TokenCache``), so the common case costs one SHA-256 and no store read.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = CourierRequestContext

    static let tenantHeader = HTTPField.Name("Courier-Tenant")!

    let store: any Store
    let adminTokenHash: String
    let cache: TokenCache

    init(store: any Store, adminTokenHash: String, cache: TokenCache) {
        self.store = store
        self.adminTokenHash = adminTokenHash
        self.cache = cache
    }

    /// The token without the spaces and tabs HTTP allows around it. Foundation's trimming by
    /// character set took about 1% of the CPU of single-event publishes.
    static func withoutOptionalWhitespace(_ text: Substring) -> String {
        let isOptionalWhitespace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = text.firstIndex(where: { !isOptionalWhitespace($0) }),
              let last = text.lastIndex(where: { !isOptionalWhitespace($0) }) else { return "" }
        return String(text[first...last])
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let authorization = request.headers[.authorization] else {
            throw CourierError(.unauthenticated, code: "unauthenticated", message: "send a token as 'Authorization: Bearer <token>'")
        }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw CourierError(.unauthenticated, code: "unauthenticated", message: "the Authorization header must be 'Bearer <token>'")
        }
        let hash = TokenSecret.hash(Self.withoutOptionalWhitespace(parts[1]))
        let principal: Principal
        if hash == adminTokenHash {
            principal = .admin
        } else if let cached = cache.get(hash) {
            principal = cached
        } else if let found = try await store.principal(tokenHash: hash) {
            cache.put(hash, found)
            principal = found
        } else {
            throw CourierError(.unauthenticated, code: "unauthenticated", message: "the token is not valid")
        }

        var context = context
        context.principal = principal
        let requested = request.headers[Self.tenantHeader]
        switch principal {
        case .admin:
            let tenantID = requested ?? Tenant.defaultID
            if tenantID != Tenant.defaultID, try await store.tenant(id: tenantID) == nil {
                throw CourierError(.notFound, code: "tenant_not_found", message: "tenant \(tenantID) not found")
            }
            context.tenantID = tenantID
        case .tenant(let tenantID):
            if let requested, requested != tenantID {
                throw CourierError(.forbidden, code: "wrong_tenant", message: "this token acts on tenant \(tenantID) only")
            }
            context.tenantID = tenantID
        }
        context.logger[metadataKey: "tenant"] = "\(context.tenantID!)"
        return try await next(request, context)
    }
}
