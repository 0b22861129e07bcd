import AsyncHTTPClient
import Courier
import Foundation
import NIOCore
import NIOHTTP1

/// The running server's API, as the everyday commands call it.
///
/// Every failure becomes a ``CommandFailure``: the API's own error message when it answered,
/// or one line naming the URL when it could not be reached.
struct APIConnection: Sendable {
    /// A JSON answer: its bytes as they came, for `--json`, and parsed, for tables.
    struct Answer: Sendable {
        var bytes: [UInt8]
        var json: JSONValue

        subscript(key: String) -> JSONValue? { json.objectValue?[key] }
    }

    /// A list's items from one page or from all of them.
    struct Listing: Sendable {
        var items: [JSONValue]
        var nextCursor: String?

        /// The API's list shape, so that `--json` looks the same whether one page or all were read.
        var json: JSONValue {
            .object(["data": .array(items), "nextCursor": nextCursor.map(JSONValue.string) ?? .null])
        }
    }

    let baseURL: String
    private let token: String
    private let tenant: String?

    /// The process's one client. It is never shut down, like `HTTPClient.shared`; unlike it,
    /// a refused connection fails at once instead of being retried until the deadline, so a
    /// server that is not running is reported without a wait.
    private static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(60))
        )
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    init(baseURL: String, token: String, tenant: String?) throws(CommandFailure) {
        let trimmed = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        guard let components = URLComponents(string: trimmed), ["http", "https"].contains(components.scheme ?? ""),
              components.host?.isEmpty == false else {
            throw CommandFailure("the server URL must be an http or https URL such as http://127.0.0.1:8080, not '\(baseURL)'")
        }
        self.baseURL = trimmed
        self.token = token
        self.tenant = tenant
    }

    /// `/v1/` followed by `segments`, each percent-encoded, so that an id or a session uid
    /// (`applicant:42/web`) stays one segment whatever it holds.
    static func path(_ segments: String...) -> String {
        "/v1/" + segments.map { $0.addingPercentEncoding(withAllowedCharacters: unreserved) ?? $0 }.joined(separator: "/")
    }

    /// RFC 3986's unreserved characters, the only ones left as they are in a path segment or a
    /// query value (a `+` in a time zone offset must not turn into a space).
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    func get(_ path: String, query: [(String, String?)] = []) async throws(CommandFailure) -> Answer {
        try await send(.GET, path + Self.queryString(query), body: nil)
    }

    /// `options` maps the body's fields to the command's options that gave them, for errors
    /// (see ``CommandFailure/init(status:body:options:)``).
    func post(_ path: String, _ body: JSONValue? = nil, options: [String: String] = [:]) async throws(CommandFailure) -> Answer {
        try await send(.POST, path, body: body, options: options)
    }

    /// The items of a list, following `nextCursor` through every page when `all` is set.
    func list(_ path: String, query: [(String, String?)], limit: Int?, all: Bool) async throws(CommandFailure) -> Listing {
        var listing = Listing(items: [], nextCursor: nil)
        let pageSize = limit ?? (all ? 500 : nil)
        repeat {
            let answer = try await get(path, query: query + [("limit", pageSize.map(String.init)), ("cursor", listing.nextCursor)])
            listing.items += answer["data"]?.arrayValue ?? []
            listing.nextCursor = answer["nextCursor"]?.stringValue
        } while all && listing.nextCursor != nil
        return listing
    }

    private func send(
        _ method: HTTPMethod, _ path: String, body: JSONValue?, options: [String: String] = [:]
    ) async throws(CommandFailure) -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "courier-cli/\(Courier.version)")
        if let tenant { request.headers.add(name: "Courier-Tenant", value: tenant) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body.bytes))
        }
        let status: Int
        let bytes: [UInt8]
        do {
            let response = try await Self.client.execute(request, timeout: .seconds(60))
            status = Int(response.status.code)
            bytes = Array(try await response.body.collect(upTo: 256 << 20).readableBytesView)
        } catch {
            throw CommandFailure("cannot reach the Courier server at \(baseURL): \(Self.describe(error))")
        }
        guard (200..<300).contains(status) else { throw CommandFailure(status: status, body: bytes, options: options) }
        if bytes.isEmpty { return Answer(bytes: bytes, json: .null) }
        do {
            return Answer(bytes: bytes, json: try JSONParser.parse(bytes))
        } catch {
            throw CommandFailure("the server at \(baseURL) answered \(status) with something that is not JSON: \(error)")
        }
    }

    private static func queryString(_ query: [(String, String?)]) -> String {
        let pairs = query.compactMap { name, value in
            value.map { "\(name)=\($0.addingPercentEncoding(withAllowedCharacters: unreserved) ?? $0)" }
        }
        return pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&")
    }
}

extension APIConnection {
    /// What went wrong reaching the server, in the words attempt records use for the same failures.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? HTTPClientError else { return WebhookSender.describe(error) }
        switch error {
        case .deadlineExceeded, .readTimeout: return DeliveryHTTPError.timeout.description
        case .connectTimeout: return DeliveryHTTPError.connectTimeout.description
        case .remoteConnectionClosed: return DeliveryHTTPError.closedBeforeResponse.description
        case .cancelled: return "cancelled"
        default: return "request failed: \(error)"
        }
    }
}
