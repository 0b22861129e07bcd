import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// Sends one request to an endpoint and reports what happened, never throwing.
///
/// Redirects are not followed (a 3xx is an answer like any other), and only the first 64 KiB of
/// a response body are read: a receiver cannot make Courier hold more than that per attempt.
public struct WebhookSender: Sendable {
    public struct Configuration: Sendable {
        /// How long to wait for a TCP connection.
        public var connectTimeout: TimeAmount
        /// How long the whole request may take, connection and response body included.
        public var requestTimeout: TimeAmount
        /// For https endpoints: by default the system's trust roots and full verification.
        public var tls: TLSConfiguration

        public init(
            connectTimeout: TimeAmount = .seconds(5), requestTimeout: TimeAmount = .seconds(15),
            tls: TLSConfiguration = .makeClientConfiguration()
        ) {
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.tls = tls
        }
    }

    /// What came back, or why nothing did.
    public struct Response: Sendable {
        public var status: Int?
        public var headers: [HeaderField]
        public var body: [UInt8]
        public var bodyTruncated: Bool
        public var error: String?
        public var startedAt: Date
        public var duration: TimeInterval
    }

    public let client: DeliveryHTTPClient
    public let configuration: Configuration

    public init(client: DeliveryHTTPClient, configuration: Configuration) {
        self.client = client
        self.configuration = configuration
    }

    /// A client set up for delivery.
    public static func makeClient(configuration: Configuration) -> DeliveryHTTPClient {
        DeliveryHTTPClient(configuration: .init(connectTimeout: configuration.connectTimeout, tls: configuration.tls))
    }

    public func send(
        url: String, method: Endpoint.Method, headers: [HeaderField], body: [UInt8], addresses: [[UInt8]]? = nil,
        timeout: TimeAmount? = nil
    ) async -> Response {
        await send(to: HTTPRequestTarget(url: url), method: method, headers: headers, body: body, addresses: addresses, timeout: timeout)
    }

    /// As ``send(url:method:headers:body:addresses:)``, to a URL already taken apart (see ``DeliveryTarget``).
    /// `addresses` are those ``TargetGuard`` checked, for a new connection to go to; `timeout`
    /// replaces the configuration's request timeout (an endpoint's own).
    public func send(
        to target: HTTPRequestTarget?, method: Endpoint.Method, headers: [HeaderField], body: [UInt8], addresses: [[UInt8]]? = nil,
        timeout: TimeAmount? = nil
    ) async -> Response {
        let startedAt = Date()
        let clock = ContinuousClock()
        let start = clock.now
        func elapsed() -> TimeInterval {
            let d = clock.now - start
            return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }
        do {
            guard let target else { throw DeliveryHTTPError.invalidRequest("not an http or https URL") }
            let response = try await client.execute(
                target, method: method == .put ? .PUT : .POST, headers: headers, body: body,
                deadline: .now() + (timeout ?? configuration.requestTimeout), addresses: addresses
            )
            return Response(
                status: response.status, headers: response.headers, body: response.body, bodyTruncated: response.bodyTruncated,
                error: nil, startedAt: startedAt, duration: elapsed()
            )
        } catch {
            return Response(
                status: nil, headers: [], body: [], bodyTruncated: false, error: Self.describe(error),
                startedAt: startedAt, duration: elapsed()
            )
        }
    }

    /// A short, stable description of a transport failure, for the attempt record and for
    /// the command line's messages about a server it cannot reach (which adds its own client's
    /// errors).
    public static func describe(_ error: any Error) -> String {
        if let error = error as? DeliveryHTTPError { return error.description }
        if error is CancellationError { return "cancelled" }
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") {
            return "connection refused"
        }
        if text.contains("reset") { return "connection reset by the receiver" }
        return "request failed: \(text)"
    }

    /// `METHOD url` without any user name or password the URL carries.
    public static func requestSummary(method: Endpoint.Method, url: String) -> String {
        guard var components = URLComponents(string: url) else { return "\(method.rawValue) \(url)" }
        components.user = nil
        components.password = nil
        return "\(method.rawValue) \(components.string ?? url)"
    }
}
