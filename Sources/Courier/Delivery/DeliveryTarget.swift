import Foundation

/// An endpoint made ready to send to: its secrets parsed and keyed, its static headers in order,
/// its response classifier and its request line worked out once per version of the endpoint
/// rather than once per attempt (parsing a URL and a secret cost more than signing a request).
public struct DeliveryTarget: Sendable {
    public let endpoint: Endpoint
    /// `METHOD url` without credentials, as attempt records show it.
    public let requestSummary: String
    /// The endpoint's own headers, sorted so that requests are reproducible.
    public let staticHeaders: [HeaderField]
    public let classifier: ResponseClassifier
    /// The hosts of the endpoint's URL and OAuth2 token URL, for the private-target guard.
    public let host: String?
    public let tokenHost: String?
    /// Where requests go; nil for a URL that is not http or https (a handler's, for one).
    public let requestTarget: HTTPRequestTarget?
    private let current: WebhookSigner
    /// Signs with the new and the previous secret, until the rotation's grace period ends.
    private let rotating: (signer: WebhookSigner, until: Date)?

    public init(_ endpoint: Endpoint) {
        self.endpoint = endpoint
        // An unreadable secret cannot be stored through the API; should one appear, the request
        // goes unsigned rather than not at all, and the receiver's verifier refuses it.
        let secret = try? WebhookSecret(endpoint.secret)
        current = WebhookSigner(secrets: secret.map { [$0] } ?? [])
        if let previous = endpoint.previousSecret.flatMap({ try? WebhookSecret($0) }), let until = endpoint.previousSecretExpiresAt {
            rotating = (WebhookSigner(secrets: (secret.map { [$0] } ?? []) + [previous]), until)
        } else {
            rotating = nil
        }
        requestSummary = WebhookSender.requestSummary(method: endpoint.method, url: endpoint.url)
        staticHeaders = endpoint.headers.sorted { $0.key < $1.key }.map { HeaderField(name: $0.key, value: $0.value) }
        classifier = ResponseClassifier(overrides: endpoint.statusOverrides)
        host = TargetGuard.host(of: endpoint.url)
        requestTarget = HTTPRequestTarget(url: endpoint.url)
        if case .oauth2(let credentials)? = endpoint.auth {
            tokenHost = TargetGuard.host(of: credentials.tokenURL)
        } else {
            tokenHost = nil
        }
    }

    /// The signer for a request made at `date`.
    public func signer(at date: Date) -> WebhookSigner {
        if let rotating, date < rotating.until { return rotating.signer }
        return current
    }
}
