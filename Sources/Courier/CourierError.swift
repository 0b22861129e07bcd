/// An error a caller of Courier can act on, with a stable code.
///
/// Every error that reaches an API client is one of these, mapped to HTTP once in the server
/// (``Kind`` decides the status). Anything else escaping a request handler is a bug.
public struct CourierError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The request is malformed or fails validation (400).
        case invalid
        /// No credentials, or credentials that match nothing (401).
        case unauthenticated
        /// Authenticated, but not allowed to do this (403).
        case forbidden
        /// No such object in the caller's tenant (404).
        case notFound
        /// The object's current state does not allow the operation, or a unique name is taken (409).
        case conflict
        /// The body is larger than the configured limit (413).
        case tooLarge
        /// The store cannot be reached right now (503).
        case unavailable
    }

    public var kind: Kind
    /// A stable, machine-readable code such as `invalid_json` or `endpoint_not_found`.
    public var code: String
    public var message: String
    /// The request field the error is about, as a path (`url`, `[3].type`), when there is one.
    public var field: String?

    public init(_ kind: Kind, code: String, message: String, field: String? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String {
        if let field { return "\(code): \(message) (\(field))" }
        return "\(code): \(message)"
    }

    public static func invalid(_ message: String, field: String? = nil, code: String = "invalid_request") -> CourierError {
        CourierError(.invalid, code: code, message: message, field: field)
    }

    public static func notFound(_ what: String) -> CourierError {
        CourierError(.notFound, code: "not_found", message: "\(what) not found")
    }

    public static func conflict(_ message: String, code: String = "conflict") -> CourierError {
        CourierError(.conflict, code: code, message: message)
    }

    /// A database a newer build has migrated past this one's schema: an older build rolled back
    /// onto it would write rows the newer schema means differently, so it refuses to start.
    public static func newerSchema(_ applied: Int, known: Int) -> CourierError {
        CourierError(
            .unavailable, code: "schema_too_new",
            message: "the database's schema is at version \(applied), newer than this build's \(known): run a Courier at least as new as the one that migrated it"
        )
    }
}
