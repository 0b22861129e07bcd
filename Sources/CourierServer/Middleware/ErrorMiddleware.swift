import Courier
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Turns every error a route throws into the API's JSON error object with a 4xx status.
///
/// `CourierError` maps by its kind; Hummingbird's own errors (no route, a body over the limit)
/// keep their status. Anything else is a bug: it is logged and answered 500 with no detail.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as CourierError {
            return Self.response(for: error)
        } catch is NIOTooManyBytesError {
            return Self.response(for: CourierError(.tooLarge, code: "body_too_large", message: "the request body is larger than the limit"))
        } catch let error as HTTPError {
            let code = switch error.status {
            case .notFound: "not_found"
            case .methodNotAllowed: "method_not_allowed"
            default: "http_\(error.status.code)"
            }
            let message = error.body ?? (error.status == .notFound ? "no such route" : error.status.reasonPhrase)
            var response = JSONResponse.make(status: error.status, ErrorMiddleware.body(code: code, message: message, field: nil))
            response.headers.append(contentsOf: error.headers)
            return response
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return JSONResponse.make(status: .internalServerError, Self.body(code: "internal", message: "internal error", field: nil))
        }
    }

    static func response(for error: CourierError) -> Response {
        let status: HTTPResponse.Status = switch error.kind {
        case .invalid: .badRequest
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .tooLarge: .contentTooLarge
        case .unavailable: .serviceUnavailable
        }
        var response = JSONResponse.make(status: status, body(code: error.code, message: error.message, field: error.field))
        if error.kind == .unauthenticated {
            response.headers[.wwwAuthenticate] = "Bearer"
        }
        return response
    }

    static func body(code: String, message: String, field: String?) -> JSONValue {
        var object = JSONObject(["code": .string(code), "message": .string(message)])
        if let field { object["field"] = .string(field) }
        return .object(JSONObject(["error": .object(object)]))
    }
}
