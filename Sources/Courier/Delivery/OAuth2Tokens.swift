import Foundation
import NIOCore

/// Access tokens got with the OAuth 2.0 client-credentials grant, cached until shortly before
/// they expire and shared by every request to endpoints with the same credentials.
///
/// One fetch at a time per set of credentials: requests that need a token while it is being
/// fetched wait for that fetch instead of starting their own. The client authenticates in the
/// form body (`client_secret_post`), which token endpoints commonly accept.
actor OAuth2Tokens {
    private let sender: WebhookSender
    private var cached: [OAuth2ClientCredentials: (token: String, until: Date)] = [:]
    private var fetching: [OAuth2ClientCredentials: Task<(token: String, until: Date), any Error>] = [:]

    /// Kept this long when the token endpoint does not say (`expires_in`).
    static let defaultLifetime: TimeInterval = 300
    /// A token is renewed this long before it expires, so it does not run out on the way.
    static let renewalMargin: TimeInterval = 30
    /// The longest a fetch may take (less when the server's request timeout is shorter). An
    /// attempt may fetch twice (once more after a 401), and the 30 s a lease keeps beyond its
    /// requests (see ``Lease/duration(covering:)``) must cover both: a fetch as long as an
    /// endpoint's own timeout would let the request outlive its lease.
    static let fetchTimeout: TimeAmount = .seconds(10)

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(sender: WebhookSender) {
        self.sender = sender
    }

    /// A token for `credentials`, fetched when there is none still good; a fetch connects to
    /// one of `addresses` when they are given (those ``TargetGuard`` checked).
    func token(for credentials: OAuth2ClientCredentials, addresses: [[UInt8]]?) async throws -> String {
        if let entry = cached[credentials], entry.until > Date() { return entry.token }
        if let task = fetching[credentials] { return try await task.value.token }
        let task = Task { [sender] in try await Self.fetch(credentials, sender: sender, addresses: addresses) }
        fetching[credentials] = task
        defer { fetching[credentials] = nil }
        let entry = try await task.value
        cached[credentials] = entry
        return entry.token
    }

    /// Forgets `token` (the receiver refused it), unless a newer one has replaced it already.
    func refused(_ token: String, for credentials: OAuth2ClientCredentials) {
        if cached[credentials]?.token == token { cached[credentials] = nil }
    }

    private static func fetch(
        _ credentials: OAuth2ClientCredentials, sender: WebhookSender, addresses: [[UInt8]]?
    ) async throws -> (token: String, until: Date) {
        var fields = JSONObject([
            "grant_type": .string("client_credentials"), "client_id": .string(credentials.clientID),
            "client_secret": .string(credentials.clientSecret),
        ])
        if let scope = credentials.scope { fields.append("scope", .string(scope)) }
        if let audience = credentials.audience { fields.append("audience", .string(audience)) }
        let started = Date()
        let response = await sender.send(
            url: credentials.tokenURL, method: .post,
            headers: [
                HeaderField(name: "content-type", value: PayloadFormat.formContentType),
                HeaderField(name: "accept", value: "application/json"),
            ],
            body: FormEncoding.encode(.object(fields)), addresses: addresses,
            timeout: min(fetchTimeout, sender.configuration.requestTimeout)
        )
        guard let status = response.status else {
            throw Failure(description: "could not get an OAuth2 token from \(credentials.tokenURL): \(response.error ?? "no answer")")
        }
        guard (200...299).contains(status) else {
            throw Failure(description: "the OAuth2 token endpoint answered \(status)")
        }
        guard !response.bodyTruncated, let object = (try? JSONParser.parse(response.body))?.objectValue,
              let token = object["access_token"]?.stringValue, !token.isEmpty else {
            throw Failure(description: "the OAuth2 token endpoint's answer has no access_token")
        }
        let lifetime = object["expires_in"]?.doubleValue ?? defaultLifetime
        let margin = lifetime > 2 * renewalMargin ? renewalMargin : lifetime / 2
        return (token, started.addingTimeInterval(max(0, lifetime - margin)))
    }
}
