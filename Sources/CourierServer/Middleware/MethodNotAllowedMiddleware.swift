import HTTPTypes
import Hummingbird

/// Answers `405` with an `Allow` header when the path is one the router knows but the method is
/// not one it takes there.
///
/// Hummingbird's router answers both cases with 404, which sends a client that wrote `PUT` for
/// `PATCH` looking for a typo in its path. Added to the router after every route, it wraps the
/// not-found answer alone, so a request that matches a route never passes through it.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Each path the router has, with the methods it takes, in the router's own terms.
    private let resources: [(path: RouterPath, allowed: [HTTPRequest.Method])]

    /// - Parameter routes: every route; `HEAD` is taken wherever `GET` is (the router makes it).
    init(routes: [Router<Context>.RouteDescription]) {
        var methods: [String: (path: RouterPath, allowed: Set<HTTPRequest.Method>)] = [:]
        for route in routes {
            methods[route.path.description, default: (route.path, [])].allowed.insert(route.method)
        }
        resources = methods.values.map { resource in
            var allowed = resource.allowed
            if allowed.contains(.get) { allowed.insert(.head) }
            return (resource.path, allowed.sorted { $0.rawValue < $1.rawValue })
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            guard let allowed = allowedMethods(at: request.uri.path) else { throw error }
            let list = allowed.map(\.rawValue).joined(separator: ", ")
            var headers = HTTPFields()
            headers[.allow] = list
            throw HTTPError(.methodNotAllowed, headers: headers, message: "\(request.method.rawValue) is not allowed here; this path takes \(list)")
        }
    }

    /// The methods of the resource the router would have chosen for `path`: where two patterns
    /// match, the one with a literal component where the other has a capture, first from the
    /// left, as the router's tree prefers literals.
    func allowedMethods(at path: String) -> [HTTPRequest.Method]? {
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        var best: (literals: [Bool], allowed: [HTTPRequest.Method])?
        for resource in resources where resource.path.components.count == components.count {
            guard zip(resource.path.components, components).allSatisfy({ $0 ~= $1 }) else { continue }
            let literals = zip(resource.path.components, components).map { $0 == $1 }
            if let best, !literals.lexicographicallyPrecedes(best.literals, by: { $0 && !$1 }) { continue }
            best = (literals, resource.allowed)
        }
        return best?.allowed
    }
}
