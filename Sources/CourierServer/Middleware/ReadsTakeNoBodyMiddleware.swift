import Courier
import HTTPTypes
import Hummingbird

/// Refuses a `GET` or `HEAD` that carries a body.
///
/// No read takes one, and a client that sends its filter as JSON in a `GET` would otherwise get
/// the whole, unfiltered list and believe it filtered: the same reason lists refuse query
/// parameters they do not know. Judged by the headers alone, so the body is never read.
struct ReadsTakeNoBodyMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.method == .get || request.method == .head {
            let length = request.headers[.contentLength].flatMap { Int($0) } ?? 0
            if length > 0 || request.headers[.transferEncoding] != nil {
                throw CourierError.invalid(
                    "a \(request.method.rawValue) takes no body; filters go in the query string", code: "unexpected_body"
                )
            }
        }
        return try await next(request, context)
    }
}
