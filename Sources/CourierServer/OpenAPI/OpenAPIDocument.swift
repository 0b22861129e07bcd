import Courier
import NIOCore

/// The HTTP API described in OpenAPI 3.1, as `GET /openapi.json` serves it.
///
/// It is written by hand, from the route files and the request readers, rather than derived
/// from the code: requests are read field by field (see `JSONFieldReader`), so there are no
/// `Codable` types a generator could start from. `OpenAPITests` hold it to the routes the
/// router really has and to an independent validator, so that it cannot drift unnoticed.
///
/// It is text in the binary rather than a resource file, so that the server has no bundle to
/// find at run time.
enum OpenAPIDocument {
    /// The whole document. It is served as written rather than parsed first, so that serving
    /// it cannot fail; the tests parse it.
    static let text = """
        {
          "openapi": "3.1.0",
          "info": \(info),
          "security": [{ "bearerAuth": [] }],
          "tags": \(tags),
          "paths": \(paths),
          "components": \(components)
        }
        """

    /// The answer's body, made once: the text never changes while the server runs.
    static let body = ByteBuffer(string: text)

    static let info = #"""
        {
          "title": "Courier",
          "version": "\#(Courier.version)",
          "summary": "A durable webhook-forwarding and trigger engine.",
          "description": "JSON under `/v1`, with a bearer token (see `bearerAuth`). Objects use camelCase keys, string ids and RFC 3339 times. Lists answer `{\"data\": [...], \"nextCursor\": ...}`, newest first; pass `cursor` (and `limit`) for the next page.\n\nErrors are `{\"error\": {\"code\", \"message\", \"field\"?}}` with a 4xx status, or 503 while the store is unavailable. Requests are read strictly: an unknown field is refused (`400 unknown_field`, naming it), and so is any query parameter that a route does not list. An explicit `null` reads as a field left out, except where a field says that `null` clears it."
        }
        """#

    static let tags = #"""
        [
          { "name": "Tenants", "description": "The admin's calls." },
          { "name": "Endpoints", "description": "Destinations: what they subscribe to, and how requests to them are made, signed and retried." },
          { "name": "Events", "description": "Publishing, and reading back with deliveries." },
          { "name": "Deliveries", "description": "One event (or batch, task run, message batch) to one endpoint, with its attempts, and a person's actions on it." },
          { "name": "Bulk operations", "description": "A delivery action over a filter, carried out in the background." },
          { "name": "Sessions", "description": "The trigger engine: task configs, triggers and instances." },
          { "name": "Messages", "description": "Texts to and from people through gateway backends." },
          { "name": "Server", "description": "Health, metrics and this document. No token." }
        ]
        """#
}
