import Courier
import Hummingbird

/// Reads a request body as JSON, within the server's size limit.
struct RequestBody {
    let limit: Int

    func json(_ request: Request) async throws -> JSONValue {
        var request = request
        let buffer = try await request.collectBody(upTo: limit)
        guard buffer.readableBytes > 0 else {
            throw CourierError.invalid("the request body is empty; send a JSON object", code: "invalid_json")
        }
        do {
            return try JSONParser.parse(Array(buffer.readableBytesView))
        } catch {
            throw CourierError.invalid("the body is not valid JSON: \(error)", code: "invalid_json")
        }
    }

    /// For action routes whose body is optional: an empty body reads as `{}`.
    func optionalJSON(_ request: Request) async throws -> JSONValue {
        var request = request
        let buffer = try await request.collectBody(upTo: limit)
        if buffer.readableBytes == 0 { return .object(JSONObject()) }
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
