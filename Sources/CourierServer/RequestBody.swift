import Courier
import Hummingbird

/// Reads a request body as JSON, within the server's size limit.
struct RequestBody {
    let limit: Int

    func json(_ request: Request) async throws -> JSONValue {
        guard let json = try await parse(request) else {
            throw CourierError.invalid("the request body is empty; send a JSON object", code: "invalid_json")
        }
        return json
    }

    /// For action routes whose body is optional: an empty body reads as `{}`.
    func optionalJSON(_ request: Request) async throws -> JSONValue {
        try await parse(request) ?? .object(JSONObject())
    }

    /// The body as JSON, or nil when it is empty.
    private func parse(_ request: Request) async throws -> JSONValue? {
        var request = request
        let buffer = try await request.collectBody(upTo: limit)
        if buffer.readableBytes == 0 { return nil }
        do {
            return try JSONParser.parse(Array(buffer.readableBytesView))
        } catch {
            throw CourierError.invalid("the body is not valid JSON: \(error)", code: "invalid_json")
        }
    }
}

extension Request {
    /// Query parameters, refusing any not in `allowed` so that a misspelt filter is an error
    /// rather than a silently unfiltered list.
    func queryParameters(allowed: Set<String>) throws(CourierError) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in uri.queryParameters {
            let name = String(key)
            guard allowed.contains(name) else {
                throw .invalid("unknown query parameter \(name)", field: name, code: "unknown_field")
            }
            result[name] = String(value)
        }
        return result
    }
}
