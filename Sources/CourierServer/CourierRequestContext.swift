import Courier
import Hummingbird

/// What a request carries through Courier's middleware: who is calling and for which tenant.
public struct CourierRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``AuthMiddleware`` on every authenticated route.
    public var principal: Principal?
    /// The tenant the request acts on, resolved from the token (and, for the admin, `Courier-Tenant`).
    public var tenantID: String?

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// The tenant the request acts on; routes behind ``AuthMiddleware`` always have one.
    public func requireTenant() throws(CourierError) -> String {
        guard let tenantID else { throw CourierError(.unauthenticated, code: "unauthenticated", message: "a token is required") }
        return tenantID
    }

    public func requireAdmin() throws(CourierError) {
        guard principal == .admin else {
            throw CourierError(.forbidden, code: "admin_only", message: "only the admin token may do this")
        }
    }
}
