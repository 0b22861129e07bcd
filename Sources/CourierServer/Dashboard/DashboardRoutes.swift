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
/// SameSite=Strict, and Secure behind a proxy that says it took HTTPS); every form that
/// changes something carries a CSRF token bound to that cookie, and the sign-in form itself
/// is refused from another site's page, so that no one is signed in to a tenant of someone
/// else's choosing. Changes answer with a redirect back to the page (post, redirect, get),
/// with a notice of what happened in the query.
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
            guard Self.comesFromThisSite(request) else {
                return Self.render(
                    "login", title: "Sign in", data: ["failed": "Sign in from this dashboard's own page."], signedIn: nil, status: .forbidden
                )
            }
            let form = try await form(request)
            let hash = TokenSecret.hash((form["token"] ?? "").trimmingCharacters(in: .whitespaces))
            let now = Date()
            let expires = now.addingTimeInterval(DashboardKeys.lifetime)
            let credential = try await keyring.keys().credential(forTokenHash: hash)
            let session: DashboardSession
            if hash == adminTokenHash {
                session = DashboardSession(
                    isAdmin: true, ownTenant: Tenant.defaultID, tenantID: Tenant.defaultID, expires: expires, issued: now, credential: credential
                )
            } else if case .tenant(let tenantID)? = try await store.principal(tokenHash: hash) {
                session = DashboardSession(isAdmin: false, ownTenant: tenantID, tenantID: tenantID, expires: expires, issued: now, credential: credential)
            } else {
                return Self.render("login", title: "Sign in", data: ["failed": "That token is not valid."], signedIn: nil, status: .unauthorized)
            }
            return try await signIn(session, to: "/deliveries", request: request)
        }
        // Ends every session signed in with the same token, not this browser's alone: the
        // cookie is a signed value, so a copy of it would otherwise go on working until it
        // expires. A token shared by a team is one identity, and signs out as one.
        router.post("logout") { request, _ in
            try await changing(request) { signedIn, _ in
                try await endSessions(ofCredential: signedIn.session.credential)
                var response = Self.redirect("/login")
                response.setCookie(Self.sessionCookie("", maxAge: 0, secure: Self.isHTTPS(request)))
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
                return try await signIn(session, to: "/deliveries", request: request)
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

    /// The setting that holds when a token last signed out (milliseconds), by its credential.
    static let signedOutSetting = "dashboard_signed_out:"

    /// Ends every session ever made with a revoked token, on every node (each reads the
    /// setting as it checks a session). Not "those made before now", as a sign-out: a session
    /// made in the same millisecond, or on a node whose clock runs ahead, would outlive it, and
    /// a revoked token makes no more sessions to spare.
    func endSessions(ofTokenHash hash: String) async throws {
        try await endSessions(ofCredential: try await keyring.keys().credential(forTokenHash: hash), before: Int64.max)
    }

    private func endSessions(ofCredential credential: String, before millis: Int64 = Timestamp.millis(Date())) async throws {
        try await store.setSetting(Self.signedOutSetting + credential, value: String(millis))
    }

    /// The session the request's cookie carries, while it holds: an admin session only while
    /// the admin token is still the one it was made with, and any session only if its token
    /// has not signed out since.
    func signedIn(_ request: Request) async throws -> SignedIn? {
        guard let cookie = request.cookies[Self.cookie]?.value, !cookie.isEmpty else { return nil }
        let keys = try await keyring.keys()
        guard let session = keys.open(cookie) else { return nil }
        if session.isAdmin, session.credential != keys.credential(forTokenHash: adminTokenHash) { return nil }
        if let signedOut = try await store.setting(Self.signedOutSetting + session.credential).flatMap({ Int64($0) }),
           Timestamp.millis(session.issued) < signedOut {
            return nil
        }
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
            var query = FormFields(request.uri.query ?? "").nonEmptyValues
            for name in ["since", "until"] { query[name] = query[name].map(Self.timeAsShown) }
            return try await body(signedIn, query)
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

    func signIn(_ session: DashboardSession, to path: String, request: Request) async throws -> Response {
        let keys = try await keyring.keys()
        var response = Self.redirect(path)
        response.setCookie(Self.sessionCookie(keys.seal(session), maxAge: Int(DashboardKeys.lifetime), secure: Self.isHTTPS(request)))
        return response
    }

    static func sessionCookie(_ value: String, maxAge: Int, secure: Bool) -> Cookie {
        Cookie(name: cookie, value: value, maxAge: maxAge, path: "/", secure: secure, httpOnly: true, sameSite: .strict)
    }

    /// Courier speaks plain HTTP; HTTPS ends at a proxy in front of it, which says so in
    /// `X-Forwarded-Proto`. The header can only make the cookie stricter, so trusting it is safe.
    static func isHTTPS(_ request: Request) -> Bool {
        request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
    }

    /// Whether a browser says the request comes from one of this dashboard's own pages: by
    /// `Sec-Fetch-Site`, which every current browser sends, else by `Origin` against `Host`. A
    /// request that carries neither is not from a browser's page (curl, a script) and is let be.
    static func comesFromThisSite(_ request: Request) -> Bool {
        if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!] {
            return site == "same-origin" || site == "none"
        }
        guard let origin = request.headers[.origin] else { return true }
        guard let host = request.head.authority else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
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
        if let notice, let shown = signedIn?.opened(notice: notice), !shown.isEmpty { layout["notice"] = shown }
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
            headers: Self.pageHeaders,
            body: .init(byteBuffer: ByteBuffer(string: html))
        )
    }

    /// Every page: never cached, never framed, never sniffed as something else, no script at
    /// all (the dashboard has none, so anything that slipped past escaping could not run), and
    /// no address sent to another site.
    static let pageHeaders: HTTPFields = [
        .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
        HTTPField.Name("X-Frame-Options")!: "DENY", HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
        HTTPField.Name("Content-Security-Policy")!:
            "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ]

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

    /// A time as the pages show it (`2026-11-24 05:30:12`, UTC), copied into a filter, as
    /// RFC 3339; any other text is left for the filter's reader to take or refuse.
    static func timeAsShown(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard bytes.count == 19, bytes[10] == UInt8(ascii: " "), let date = Timestamp.parse(String(text.prefix(10)) + "T" + String(text.dropFirst(11)) + "Z")
        else { return text }
        return Timestamp.format(date)
    }

    /// `2026-11-24 05:30:12` (UTC): short enough for a table, exact enough to compare.
    static func short(_ date: Date) -> String {
        let text = Timestamp.format(date)
        return String(text.prefix(19)).replacingOccurrences(of: "T", with: " ")
    }
}
