import AsyncHTTPClient
import Courier
import Foundation
import NIOCore
import NIOHTTP1

/// A small JSON client for Courier's API, for tests and scripts.
public struct APIClient: Sendable {
    public struct Answer: Sendable {
        public var status: Int
        public var headers: [HeaderField]
        public var body: [UInt8]

        /// The body parsed as JSON (`.null` when empty or not JSON).
        public var json: JSONValue { (try? JSONParser.parseStored(body)) ?? .null }
        public var text: String { String(decoding: body, as: UTF8.self) }

        /// `json[key]` for an object body.
        public subscript(key: String) -> JSONValue? { json.objectValue?[key] }

        /// The error code of a `{"error": {...}}` answer.
        public var errorCode: String? { json.objectValue?["error"]?.objectValue?["code"]?.stringValue }
        public var errorField: String? { json.objectValue?["error"]?.objectValue?["field"]?.stringValue }
    }

    public let baseURL: String
    public var token: String?
    public var tenant: String?

    public init(baseURL: String, token: String? = nil, tenant: String? = nil) {
        self.baseURL = baseURL
        self.token = token
        self.tenant = tenant
    }

    public func withToken(_ token: String?, tenant: String? = nil) -> APIClient {
        APIClient(baseURL: baseURL, token: token, tenant: tenant)
    }

    public func get(_ path: String) async throws -> Answer {
        try await send("GET", path, body: nil)
    }

    public func delete(_ path: String) async throws -> Answer {
        try await send("DELETE", path, body: nil)
    }

    public func post(_ path: String, _ json: String? = nil) async throws -> Answer {
        try await send("POST", path, body: json.map { Array($0.utf8) })
    }

    public func put(_ path: String, _ json: String) async throws -> Answer {
        try await send("PUT", path, body: Array(json.utf8))
    }

    public func patch(_ path: String, _ json: String) async throws -> Answer {
        try await send("PATCH", path, body: Array(json.utf8))
    }

    /// Like `HTTPClient.shared`, but redirects are answers for a test to check (the
    /// dashboard's), not to follow.
    /// Waiting for a pooled connection is bounded by the connect timeout: tests that send dozens
    /// of requests at once to a busy debug server need more than the default 10 s.
    private static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(60)))
    )

    public func send(_ method: String, _ path: String, body: [UInt8]?, headers extra: [HeaderField] = []) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = HTTPMethod(rawValue: method)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let tenant { request.headers.add(name: "Courier-Tenant", value: tenant) }
        for header in extra { request.headers.add(name: header.name, value: header.value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        // As long as the test stores' own operation deadline: with the whole suite on two cores,
        // one request that stores 10,000 rows on PostgreSQL has taken more than 30 s.
        let (response, buffer) = try await reportingStall("\(method) \(baseURL)\(path)") {
            let response = try await Self.client.execute(request, timeout: .seconds(60))
            return (response, try await response.body.collect(upTo: 64 << 20))
        }
        return Answer(
            status: Int(response.status.code),
            headers: response.headers.map { HeaderField(name: $0.name, value: $0.value) },
            body: Array(buffer.readableBytesView)
        )
    }
}
