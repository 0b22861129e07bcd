import Courier
import Crypto
import Foundation

/// Signs the dashboard's session cookie and derives its CSRF tokens.
///
/// The key lives in the store (setting `dashboard_key`), made the first time, so that every
/// node behind a load balancer accepts the cookies of every other, and a restart signs no one
/// out. A session is who signed in (the admin, or a tenant's token holder), the tenant it acts
/// on, when it began and ends, and a fingerprint of the token it was made with: a session made
/// with an admin token that has since been replaced is over (see `DashboardRoutes.signedIn`).
struct DashboardKeys: Sendable {
    static let setting = "dashboard_key"
    static let lifetime: TimeInterval = 12 * 3600

    /// Kept as bytes (a `SymmetricKey` is not `Sendable`); the key is made per use.
    private let secret: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: secret) }

    init(key: [UInt8]) {
        self.secret = key
    }

    static func load(store: any Store) async throws -> DashboardKeys {
        if let stored = try await store.setting(setting), let bytes = Data(base64Encoded: stored), bytes.count == 32 {
            return DashboardKeys(key: Array(bytes))
        }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        // Another node may make one at the same moment: the first stored is every node's.
        let stored = try await store.setSettingIfAbsent(setting, value: Data(bytes).base64EncodedString())
        if let key = Data(base64Encoded: stored), key.count == 32 { return DashboardKeys(key: Array(key)) }
        // What was there is no key (written by hand?): replace it.
        try await store.setSetting(setting, value: Data(bytes).base64EncodedString())
        return DashboardKeys(key: bytes)
    }

    /// The cookie's value: the session's fields and their HMAC, in characters a cookie may hold.
    func seal(_ session: DashboardSession) -> String {
        let fields = [session.isAdmin ? "admin" : "tenant", session.ownTenant, session.tenantID,
                      String(Int64(session.expires.timeIntervalSince1970)), String(Timestamp.millis(session.issued)),
                      session.credential].joined(separator: "\n")
        let payload = Array(fields.utf8)
        return Base64URL.encode(payload) + "." + Base64URL.encode(Array(HMAC<SHA256>.authenticationCode(for: payload, using: key)))
    }

    /// The session a cookie carries, if it is ours, whole, and not yet over. (Cookies made
    /// before sessions carried their credential have four fields, and are refused: their
    /// holders sign in again.)
    func open(_ value: String, now: Date = Date()) -> DashboardSession? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = Base64URL.decode(parts[0]), let mac = Base64URL.decode(parts[1]),
              HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: payload, using: key) else { return nil }
        let fields = String(decoding: payload, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 6, let expires = Int64(fields[3]).map({ Date(timeIntervalSince1970: TimeInterval($0)) }), expires > now,
              let issued = Int64(fields[4]).map(Timestamp.date(millis:))
        else { return nil }
        return DashboardSession(
            isAdmin: fields[0] == "admin", ownTenant: fields[1], tenantID: fields[2], expires: expires, issued: issued, credential: fields[5]
        )
    }

    /// A fingerprint of the token a session was made with (by its stored hash): it tells
    /// whether the admin token is still the one that signed in, and keys sign-outs, without
    /// putting the hash itself in a cookie.
    func credential(forTokenHash hash: String) -> String {
        Base64URL.encode(Array(HMAC<SHA256>.authenticationCode(for: Array(("credential\n" + hash).utf8), using: key).prefix(16)))
    }

    /// The token forms carry: bound to the session's cookie, so another site cannot forge it.
    func csrf(for cookie: String) -> String {
        Base64URL.encode(Array(HMAC<SHA256>.authenticationCode(for: Array(("csrf\n" + cookie).utf8), using: key)))
    }
}

/// Who is signed in to the dashboard and which tenant they act on.
struct DashboardSession: Sendable, Hashable {
    var isAdmin: Bool
    /// The tenant a tenant token belongs to (`default` for the admin).
    var ownTenant: String
    var tenantID: String
    var expires: Date
    /// When the person signed in: a sign-out ends every session of the same token begun before it.
    var issued: Date
    /// ``DashboardKeys/credential(forTokenHash:)`` of the token that signed in.
    var credential: String
}
