import Courier
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// API answers: JSON written by ``JSONWriter`` straight into the response buffer.
enum JSONResponse {
    static func make(status: HTTPResponse.Status = .ok, _ value: JSONValue) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.bytes))
        )
    }

    /// A list: `{"data": [...], "nextCursor": ...}`.
    static func list<T>(_ page: Page<T>, _ render: (T) -> JSONValue) -> Response {
        make(.object(JSONObject([
            "data": .array(page.items.map(render)),
            "nextCursor": page.nextCursor.map(JSONValue.string) ?? .null,
        ])))
    }
}

extension JSONValue {
    static func optional(_ string: String?) -> JSONValue {
        string.map(JSONValue.string) ?? .null
    }

    static func date(_ date: Date?) -> JSONValue {
        date.map { .string(Timestamp.format($0)) } ?? .null
    }
}
