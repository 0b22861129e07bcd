import Foundation

/// An endpoint made ready to send to: its secret parsed and keyed, its static headers in order
/// and its request line worked out once per version of the endpoint rather than once per
/// attempt (parsing a URL and keying an HMAC cost more than signing one request).
public struct DeliveryTarget: Sendable {
    public let endpoint: Endpoint
    public let signer: WebhookSigner
    /// `METHOD url` without credentials, as attempt records show it.
    public let requestSummary: String
    /// The endpoint's own headers, sorted so that requests are reproducible.
    public let staticHeaders: [HeaderField]

    public init(_ endpoint: Endpoint) {
        self.endpoint = endpoint
        // An unreadable secret cannot be stored through the API; should one appear, the request
        // goes unsigned rather than not at all, and the receiver's verifier refuses it.
        signer = WebhookSigner(secrets: (try? WebhookSecret(endpoint.secret)).map { [$0] } ?? [])
        requestSummary = WebhookSender.requestSummary(method: endpoint.method, url: endpoint.url)
        staticHeaders = endpoint.headers.sorted { $0.key < $1.key }.map { HeaderField(name: $0.key, value: $0.value) }
    }
}
