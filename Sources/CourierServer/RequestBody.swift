import Courier
import Hummingbird

/// Reads a request body as JSON, within the server's size limit.
///
/// No route that takes a body takes query parameters, so each of these refuses them, as a
/// list refuses those it does not know: a request that says more than Courier reads is an
/// error, not something silently ignored.
struct RequestBody {
    let limit: Int

    func json(_ request: Request) async throws -> JSONValue {
        try request.noQueryParameters()
        guard let json = try await parse(request) else {
            throw CourierError.invalid("the request body is empty; send a JSON object", code: "invalid_json")
        }
        return json
    }

    /// For action routes whose body is optional: an empty body reads as `{}`.
    func optionalJSON(_ request: Request) async throws -> JSONValue {
        try request.noQueryParameters()
        return try await parse(request) ?? .object(JSONObject())
    }

    /// For action routes that take nothing: an empty body or `{}`, and no query parameters.
    func nothing(_ request: Request) async throws {
        let reader = try JSONFieldReader(try await optionalJSON(request))
        try reader.rejectUnknownFields()
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
    /// For routes that read no query parameters (one object by its id, an action).
    func noQueryParameters() throws(CourierError) {
        _ = try queryParameters(allowed: [])
    }

    /// Query parameters, refusing any not in `allowed` so that a misspelt filter is an error
    /// rather than a silently unfiltered list.
    func queryParameters(allowed: Set<String>) throws(CourierError) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in uri.queryParameters {
            let name = String(key)
            guard allowed.contains(name) else {
                throw .invalid("unknown query parameter \(name)", field: name, code: "unknown_field")
            }
            result[name] = try JSONFieldReader.checked(String(value), field: name)
        }
        return result
    }
}
