import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Sends one request to an endpoint and reports what happened, never throwing.
///
/// Redirects are not followed (a 3xx is an answer like any other), and only the first 64 KiB of
/// a response body are read: a receiver cannot make Courier hold more than that per attempt.
public struct WebhookSender: Sendable {
    public struct Configuration: Sendable {
        /// How long to wait for a TCP (and TLS) connection.
        public var connectTimeout: TimeAmount
        /// How long the whole request may take, response body included.
        public var requestTimeout: TimeAmount

        public init(connectTimeout: TimeAmount = .seconds(5), requestTimeout: TimeAmount = .seconds(15)) {
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
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

    public let client: HTTPClient
    public let configuration: Configuration

    public init(client: HTTPClient, configuration: Configuration) {
        self.client = client
        self.configuration = configuration
    }

    /// A client set up for delivery: no redirects, a pool large enough for many endpoints.
    public static func makeClient(configuration: Configuration) -> HTTPClient {
        var clientConfiguration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: configuration.connectTimeout, read: configuration.requestTimeout)
        )
        clientConfiguration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64
        )
        clientConfiguration.decompression = .disabled
        // No spans per request: Courier keeps its own record of every attempt, and the default
        // (no-op) tracer still costs a few percent of a delivery's CPU time.
        clientConfiguration.tracing.tracer = nil
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
    }

    public func send(url: String, method: Endpoint.Method, headers: [HeaderField], body: [UInt8]) async -> Response {
        let startedAt = Date()
        let clock = ContinuousClock()
        let start = clock.now
        var request = HTTPClientRequest(url: url)
        request.method = method == .put ? .PUT : .POST
        for header in headers {
            request.headers.add(name: header.name, value: header.value)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        func elapsed() -> TimeInterval {
            let d = clock.now - start
            return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }
        do {
            let response = try await client.execute(request, timeout: configuration.requestTimeout)
            var collected: [UInt8] = []
            var truncated = false
            for try await chunk in response.body {
                let room = Attempt.bodyExcerptLimit - collected.count
                if chunk.readableBytes > room {
                    collected.append(contentsOf: chunk.readableBytesView.prefix(room))
                    truncated = true
                    break
                }
                collected.append(contentsOf: chunk.readableBytesView)
            }
            return Response(
                status: Int(response.status.code),
                headers: response.headers.map { HeaderField(name: $0.name, value: $0.value) },
                body: collected, bodyTruncated: truncated, error: nil, startedAt: startedAt, duration: elapsed()
            )
        } catch {
            return Response(
                status: nil, headers: [], body: [], bodyTruncated: false, error: Self.describe(error),
                startedAt: startedAt, duration: elapsed()
            )
        }
    }

    /// A short, stable description of a transport failure, for the attempt record and for
    /// the command line's messages about a server it cannot reach.
    public static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout: return "timeout: no complete response in time"
            case .connectTimeout: return "timeout: could not connect in time"
            case .remoteConnectionClosed: return "connection closed by the receiver"
            case .cancelled: return "cancelled"
            default: return "request failed: \(error)"
            }
        }
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
