import Courier
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Turns every error a route throws into the API's JSON error object with a 4xx status.
///
/// `CourierError` maps by its kind; Hummingbird's own errors (no route, a body over the limit)
/// keep their status. Anything else is a bug: it is logged and answered 500 with no detail.
/// A browser that asked for a page outside the API (a mistyped dashboard address, a form over
/// the size limit) gets the same error as a page rather than JSON.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as CourierError {
            return Self.shown(Self.response(for: error), message: error.message, to: request)
        } catch is NIOTooManyBytesError {
            let error = CourierError(.tooLarge, code: "body_too_large", message: "the request body is larger than the limit")
            return Self.shown(Self.response(for: error), message: error.message, to: request)
        } catch let error as HTTPError {
            let code = switch error.status {
            case .notFound: "not_found"
            case .methodNotAllowed: "method_not_allowed"
            default: "http_\(error.status.code)"
            }
            let message = error.body ?? (error.status == .notFound ? "no such route" : error.status.reasonPhrase)
            var response = JSONResponse.make(status: error.status, ErrorMiddleware.body(code: code, message: message, field: nil))
            response.headers.append(contentsOf: error.headers)
            return Self.shown(response, message: error.status == .notFound ? "There is no such page." : message, to: request)
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return JSONResponse.make(status: .internalServerError, Self.body(code: "internal", message: "internal error", field: nil))
        }
    }

    /// `response`, or for a browser's page request outside the API, the dashboard's error page
    /// with the same status and headers (an `Allow`, say).
    static func shown(_ response: Response, message: String, to request: Request) -> Response {
        guard !request.uri.path.hasPrefix("/v1/"), request.method == .get || request.method == .post,
              request.headers[.accept]?.contains("text/html") == true else { return response }
        var page = DashboardRoutes.render(
            "error", title: "Problem", data: ["heading": "That did not work", "message": message], signedIn: nil, status: response.status
        )
        for field in response.headers where field.name != .contentType && field.name != .contentLength { page.headers.append(field) }
        return page
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
