import Courier
import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// The dashboard: server-rendered pages over the same store as the API, for the people who
/// find out what failed, why, and fix it, mostly by looking.
///
/// Sign-in takes an API token once and keeps a signed session cookie (HttpOnly,
/// SameSite=Strict); every form that changes something carries a CSRF token bound to that
/// cookie. Changes answer with a redirect back to the page (post, redirect, get), with a
/// notice of what happened in the query.
struct DashboardRoutes {
    static let cookie = "courier_session"

    let store: any Store
    let adminTokenHash: String
    let bodyLimit: Int
    let targetGuard: TargetGuard
    let keyring: DashboardKeyring

    init(store: any Store, adminTokenHash: String, bodyLimit: Int, targetGuard: TargetGuard) {
        self.store = store
        self.adminTokenHash = adminTokenHash
        self.bodyLimit = bodyLimit
        self.targetGuard = targetGuard
        self.keyring = DashboardKeyring(store: store)
    }

    func add(to router: Router<CourierRequestContext>) {
        router.get("dashboard.css") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=300"],
                body: .init(byteBuffer: ByteBuffer(string: DashboardStyle.css))
            )
        }
        // With its query, which the deliveries page reads or refuses.
        router.get("") { request, _ in Self.redirect("/deliveries" + (request.uri.query.map { "?" + $0 } ?? "")) }
        router.get("login") { _, _ in
            Self.render("login", title: "Sign in", data: [:], signedIn: nil)
        }
        router.post("login") { request, _ in
            let form = try await form(request)
            let hash = TokenSecret.hash((form["token"] ?? "").trimmingCharacters(in: .whitespaces))
            let session: DashboardSession
            let expires = Date().addingTimeInterval(DashboardKeys.lifetime)
            if hash == adminTokenHash {
                session = DashboardSession(isAdmin: true, ownTenant: Tenant.defaultID, tenantID: Tenant.defaultID, expires: expires)
            } else if case .tenant(let tenantID)? = try await store.principal(tokenHash: hash) {
                session = DashboardSession(isAdmin: false, ownTenant: tenantID, tenantID: tenantID, expires: expires)
            } else {
                return Self.render("login", title: "Sign in", data: ["failed": "That token is not valid."], signedIn: nil, status: .unauthorized)
            }
            return try await signIn(session, to: "/deliveries")
        }
        router.post("logout") { request, _ in
            try await changing(request) { _, _ in
                var response = Self.redirect("/login")
                response.setCookie(Self.sessionCookie("", maxAge: 0))
                return response
            }
        }
        router.post("tenant") { request, _ in
            try await changing(request) { signedIn, form in
                guard signedIn.session.isAdmin else { throw CourierError(.forbidden, code: "forbidden", message: "only the admin switches tenants") }
                let tenantID = form.nonEmpty("tenant") ?? Tenant.defaultID
                guard try await store.tenant(id: tenantID) != nil else { throw CourierError.notFound("tenant") }
                var session = signedIn.session
                session.tenantID = tenantID
                return try await signIn(session, to: "/deliveries")
            }
        }
        addDeliveries(to: router)
        addEndpoints(to: router)
        addSessions(to: router)
        addMessages(to: router)
        addOperations(to: router)
    }

    // MARK: Sessions and forms

    /// A signed-in request: its session, and the CSRF token its forms carry.
    struct SignedIn {
        var session: DashboardSession
        var csrf: String
    }

    func signedIn(_ request: Request) async throws -> SignedIn? {
        guard let cookie = request.cookies[Self.cookie]?.value, !cookie.isEmpty else { return nil }
        let keys = try await keyring.keys()
        guard let session = keys.open(cookie) else { return nil }
        return SignedIn(session: session, csrf: keys.csrf(for: cookie))
    }

    /// A page for the signed-in that reads no query parameter; anyone else is sent to sign in.
    func viewing(_ request: Request, _ body: (SignedIn) async throws -> Response) async throws -> Response {
        try await viewing(request, reading: []) { signedIn, _ in try await body(signedIn) }
    }

    /// A page for the signed-in that reads the query parameters `names`, given to `body` without
    /// the empty ones (a filter form's untouched fields). Any other is refused with an error page,
    /// as the API refuses it: ignored, a misspelt filter would show (and act on, in bulk) every
    /// delivery of the tenant.
    func viewing(
        _ request: Request, reading names: Set<String>, _ body: (SignedIn, [String: String]) async throws -> Response
    ) async throws -> Response {
        guard let signedIn = try await signedIn(request) else { return Self.redirect("/login") }
        return try await Self.guarded(signedIn) {
            _ = try request.queryParameters(allowed: names)
            // Read as a form: a browser sends a space in a GET form's field as `+`.
            return try await body(signedIn, FormFields(request.uri.query ?? "").nonEmptyValues)
        }
    }

    /// A change: only for the signed-in, and only from our own forms (the CSRF token).
    func changing(_ request: Request, _ body: (SignedIn, FormFields) async throws -> Response) async throws -> Response {
        guard let signedIn = try await signedIn(request) else { return Self.redirect("/login") }
        let form = try await form(request)
        guard form["csrf"] == signedIn.csrf else {
            return Self.render(
                "error", title: "Refused", data: ["heading": "Refused", "message": "The form has expired or did not come from this dashboard; reload the page and try again."],
                signedIn: signedIn, status: .forbidden
            )
        }
        return try await Self.guarded(signedIn) { try await body(signedIn, form) }
    }

    /// Errors a person can act on become a page that says so, not a JSON body.
    static func guarded(_ signedIn: SignedIn, _ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as CourierError {
            let status: HTTPResponse.Status = switch error.kind {
            case .notFound: .notFound
            case .invalid: .badRequest
            case .conflict: .conflict
            case .forbidden: .forbidden
            default: .internalServerError
            }
            guard status != .internalServerError else { throw error }
            return render("error", title: "Problem", data: ["heading": "That did not work", "message": error.message], signedIn: signedIn, status: status)
        }
    }

    func form(_ request: Request) async throws -> FormFields {
        var request = request
        let buffer = try await request.collectBody(upTo: bodyLimit)
        return FormFields(String(buffer: buffer))
    }

    func signIn(_ session: DashboardSession, to path: String) async throws -> Response {
        let keys = try await keyring.keys()
        var response = Self.redirect(path)
        response.setCookie(Self.sessionCookie(keys.seal(session), maxAge: Int(DashboardKeys.lifetime)))
        return response
    }

    static func sessionCookie(_ value: String, maxAge: Int) -> Cookie {
        Cookie(name: cookie, value: value, maxAge: maxAge, path: "/", httpOnly: true, sameSite: .strict)
    }

    // MARK: Rendering

    static func render(
        _ template: String, title: String, data: [String: Any], signedIn: SignedIn?, notice: String? = nil,
        section: String? = nil, status: HTTPResponse.Status = .ok, refresh: Int? = nil
    ) -> Response {
        let body = DashboardTemplates.library.render(compact(data), withTemplate: template) ?? ""
        var layout: [String: Any] = ["title": title, "body": body]
        // Pages that follow work under way reload themselves: no script needed.
        if let refresh { layout["refresh"] = refresh }
        if let notice, !notice.isEmpty { layout["notice"] = notice }
        if let signedIn {
            var session: [String: Any] = [
                "isAdmin": signedIn.session.isAdmin, "tenantID": signedIn.session.tenantID, "csrf": signedIn.csrf,
            ]
            if let section { session[section] = true }
            layout["session"] = session
        }
        let html = DashboardTemplates.library.render(layout, withTemplate: "layout") ?? ""
        return Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store", HTTPField.Name("X-Frame-Options")!: "DENY"],
            body: .init(byteBuffer: ByteBuffer(string: html))
        )
    }

    /// The data without its empty strings: in Mustache an empty string still opens a section,
    /// and `{{#lastError}}…{{/lastError}}` should show only when there is one.
    static func compact(_ value: Any) -> Any {
        switch value {
        case let dictionary as [String: Any]:
            return dictionary.compactMapValues { value -> Any? in
                if let text = value as? String, text.isEmpty { return nil }
                return compact(value)
            }
        case let array as [[String: Any]]:
            return array.map { compact($0) }
        default:
            return value
        }
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    static func query(_ fields: [(name: String, value: String)], notice: String? = nil) -> String {
        let all = fields + (notice.map { [(name: "notice", value: $0)] } ?? [])
        guard !all.isEmpty else { return "" }
        return "?" + all.map { "\($0.name)=\(escape($0.value))" }.joined(separator: "&")
    }

    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// A path segment or a query value, percent-encoded but for the unreserved characters.
    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// `2026-11-24 05:30:12` (UTC): short enough for a table, exact enough to compare.
    static func short(_ date: Date) -> String {
        let text = Timestamp.format(date)
        return String(text.prefix(19)).replacingOccurrences(of: "T", with: " ")
    }
}
