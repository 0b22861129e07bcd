/// How every store writes an object's structured fields as text, so that SQLite and PostgreSQL
/// hold the same bytes and read them back the same way.
public enum StoredForm {
    public static func eventTypes(_ patterns: [EventTypePattern]) -> String {
        text(.array(patterns.map { .string($0.description) }))
    }

    public static func eventTypes(from text: String) throws -> [EventTypePattern] {
        let names = try JSONParser.parseStored(text).arrayValue?.compactMap(\.stringValue) ?? []
        return try names.map { try EventTypePattern($0) }
    }

    /// Headers sorted by name, so the stored text does not depend on dictionary order.
    public static func headers(_ headers: [String: String]) -> String {
        text(.object(JSONObject(headers.sorted { $0.key < $1.key }.map {
            JSONObject.Field(key: $0.key, value: .string($0.value))
        })))
    }

    public static func headers(from text: String) throws -> [String: String] {
        var headers: [String: String] = [:]
        for field in try JSONParser.parseStored(text).objectValue?.fields ?? [] {
            headers[field.key] = field.value.stringValue
        }
        return headers
    }

    public static func retry(_ policy: RetryPolicy) -> String {
        text(policy.json)
    }

    public static func retry(from text: String) throws -> RetryPolicy {
        try RetryPolicy(json: try JSONParser.parseStored(text))
    }

    public static func batch(_ policy: BatchPolicy?) -> String? {
        policy.map { text($0.json) }
    }

    public static func batch(from text: String?) throws -> BatchPolicy? {
        try text.map { try BatchPolicy(json: try JSONParser.parseStored($0)) }
    }

    public static func rateLimit(_ limit: RateLimit?) -> String? {
        limit.map { text($0.json) }
    }

    public static func rateLimit(from text: String?) throws -> RateLimit? {
        try text.map { try RateLimit(json: try JSONParser.parseStored($0), validating: false) }
    }

    public static func session(_ session: Session) -> String {
        text(session.json)
    }

    public static func session(from text: String) throws -> Session {
        try Session(json: try JSONParser.parseStored(text))
    }

    /// The auth with its credentials as JSON, or nil for none.
    public static func auth(_ auth: OutboundAuth?) -> String? {
        auth.map { text($0.storedJSON) }
    }

    public static func auth(from text: String?) throws -> OutboundAuth? {
        try text.map { try OutboundAuth(json: try JSONParser.parseStored($0)) }
    }

    /// The format as JSON, or nil for the default envelope.
    public static func format(_ format: PayloadFormat) -> String? {
        format == .envelope ? nil : text(format.json)
    }

    public static func format(from text: String?) throws -> PayloadFormat {
        try text.map { try PayloadFormat(json: try JSONParser.parseStored($0)) } ?? .envelope
    }

    /// Overrides as JSON, or nil for none (the common case costs nothing to store).
    public static func statusOverrides(_ overrides: StatusOverrides) -> String? {
        overrides.isEmpty ? nil : text(overrides.json)
    }

    public static func statusOverrides(from text: String?) throws -> StatusOverrides {
        try text.map { try StatusOverrides(json: try JSONParser.parseStored($0)) } ?? .none
    }

    /// A lease as one string, the same as SQL's `lease_token || ' ' || id` of its delivery's
    /// row: a list of leases binds as a list of strings.
    public static func leaseKey(_ lease: Lease) -> String {
        "\(lease.token) \(lease.deliveryID)"
    }

    /// A JSON array of strings: a list bound as one parameter (SQLite reads it with `json_each`).
    public static func jsonList(_ strings: [String]) -> String {
        text(.array(strings.map(JSONValue.string)))
    }

    /// Response headers as `[[name, value], ...]`, keeping order and duplicates.
    public static func responseHeaders(_ headers: [HeaderField]) -> String {
        text(.array(headers.map { .array([.string($0.name), .string($0.value)]) }))
    }

    public static func responseHeaders(from text: String?) -> [HeaderField] {
        guard let text, case .array(let pairs)? = try? JSONParser.parseStored(text) else { return [] }
        return pairs.compactMap { pair in
            guard case .array(let nv) = pair, nv.count == 2, let name = nv[0].stringValue, let value = nv[1].stringValue else {
                return nil
            }
            return HeaderField(name: name, value: value)
        }
    }

    /// A bulk operation's filter, in the API's own form.
    public static func filter(_ filter: DeliveryFilter) -> String {
        text(filter.json)
    }

    public static func filter(from text: String) throws -> DeliveryFilter {
        try DeliveryFilter(json: try JSONParser.parseStored(text))
    }

    private static func text(_ value: JSONValue) -> String {
        String(decoding: value.bytes, as: UTF8.self)
    }
}

extension Attempt {
    /// The one-line reason a person sees as a delivery's `lastError`.
    public var summary: String {
        if let error { return error }
        if let responseStatus { return "HTTP \(responseStatus)" }
        return outcome.rawValue
    }
}

extension Page {
    /// A page from a query that fetched `limit + 1` items: the extra one only says there is more.
    public init(fetched items: [Element], limit: Int, id: (Element) -> String) {
        guard items.count > limit else {
            self.init(items: items, nextCursor: nil)
            return
        }
        let kept = Array(items.prefix(limit))
        self.init(items: kept, nextCursor: kept.last.map(id))
    }
}
