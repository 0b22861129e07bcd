import Foundation

/// A destination that receives the events it subscribes to (CommCare's repeater, a rest hook).
public struct Endpoint: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, CaseIterable {
        /// Deliveries flow.
        case active
        /// Held by a person; deliveries wait and go the moment it resumes.
        case paused
        /// Held by Courier (the receiver answered 410 Gone, for one); resume to release.
        case disabled
    }

    public enum Method: String, Sendable, Hashable, CaseIterable {
        case post = "POST"
        case put = "PUT"
    }

    public var id: String
    public var tenantID: String
    /// Unique within the tenant when set, so that task configs and message routes can name it.
    public var name: String?
    public var description: String?
    public var url: String
    public var method: Method
    public var eventTypes: [EventTypePattern]
    /// The Standard Webhooks signing secret, `whsec_<base64>`.
    public var secret: String
    /// The secret before the last rotation, still signing (beside the new one) until
    /// `previousSecretExpiresAt`, so receivers can switch without missing a request.
    public var previousSecret: String?
    public var previousSecretExpiresAt: Date?
    /// Extra static headers sent with every request; they never replace Courier's own.
    public var headers: [String: String]
    public var retry: RetryPolicy
    /// When set, deliveries go in batches (see ``BatchPolicy``).
    public var batch: BatchPolicy?
    /// Exceptions to how response statuses are read (see ``StatusOverrides``).
    public var statusOverrides: StatusOverrides
    /// One request at a time, oldest first; a failing delivery holds back the ones behind it.
    public var ordered: Bool
    /// How requests carry an event (see ``PayloadFormat``).
    public var format: PayloadFormat
    /// Credentials for the receiver's gateway (see ``OutboundAuth``).
    public var auth: OutboundAuth?
    /// Kept by the engine from the attempts' outcomes, never set through the API.
    public var health: EndpointHealth
    /// How many requests to this endpoint may be under way at once, across the whole engine.
    public var maxInFlight: Int
    /// How often requests may start, across every node (see ``RateLimit``).
    public var rateLimit: RateLimit?
    /// How long one request may take, in seconds, when not the server's request timeout: a
    /// receiver that imports what it is sent before answering (a health information system
    /// taking a batch) may need minutes, and one that should answer at once can fail sooner.
    public var timeoutSeconds: Int?
    public var status: Status
    /// Why the endpoint is disabled (or who paused it), shown to people.
    public var statusReason: String?
    public var createdAt: Date
    public var updatedAt: Date

    public static let defaultMaxInFlight = 16

    public init(
        id: String, tenantID: String, name: String? = nil, description: String? = nil, url: String,
        method: Method = .post, eventTypes: [EventTypePattern], secret: String, headers: [String: String] = [:],
        retry: RetryPolicy = .standard, batch: BatchPolicy? = nil, statusOverrides: StatusOverrides = .none,
        ordered: Bool = false, format: PayloadFormat = .envelope, auth: OutboundAuth? = nil,
        maxInFlight: Int = Endpoint.defaultMaxInFlight, rateLimit: RateLimit? = nil, timeoutSeconds: Int? = nil,
        status: Status = .active,
        statusReason: String? = nil, createdAt: Date, updatedAt: Date, previousSecret: String? = nil,
        previousSecretExpiresAt: Date? = nil, health: EndpointHealth = EndpointHealth()
    ) {
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.description = description
        self.url = url
        self.method = method
        self.eventTypes = eventTypes
        self.secret = secret
        self.previousSecret = previousSecret
        self.previousSecretExpiresAt = previousSecretExpiresAt
        self.health = health
        self.headers = headers
        self.retry = retry
        self.batch = batch
        self.statusOverrides = statusOverrides
        self.ordered = ordered
        self.format = format
        self.auth = auth
        self.maxInFlight = maxInFlight
        self.rateLimit = rateLimit
        self.timeoutSeconds = timeoutSeconds
        self.status = status
        self.statusReason = statusReason
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// How many requests may be under way at once: one for an ordered endpoint.
    public var effectiveMaxInFlight: Int { ordered ? 1 : maxInFlight }

    /// The end of a claim's lease on this endpoint's deliveries: the engine's, or longer when
    /// the endpoint's own timeout needs more (see ``Lease/duration(covering:)``). Both stores
    /// lease by it, so every node's claims hold as long as the requests they make may take.
    public func leaseUntil(_ proposed: Date, now: Date) -> Date {
        guard let timeoutSeconds else { return proposed }
        return max(proposed, now.addingTimeInterval(Lease.duration(covering: TimeInterval(timeoutSeconds))))
    }

    /// Whether an event of `type` fans out to this endpoint (active and paused ones hold it; disabled ones do not take new work).
    public func subscribes(to type: String) -> Bool {
        status != .disabled && eventTypes.matches(type)
    }
}

/// The fields of an endpoint as a create or update request gives them; nil means "not given".
public struct EndpointChanges: Sendable, Hashable {
    public var name: String??
    public var description: String??
    public var url: String?
    public var method: Endpoint.Method?
    public var eventTypes: [EventTypePattern]?
    public var secret: String?
    public var headers: [String: String]?
    public var retry: RetryPolicy?
    /// `.some(nil)`: batching is turned off.
    public var batch: BatchPolicy??
    public var statusOverrides: StatusOverrides?
    public var ordered: Bool?
    public var format: PayloadFormat?
    /// `.some(nil)`: no credentials any more.
    public var auth: OutboundAuth??
    public var maxInFlight: Int?
    /// `.some(nil)`: no rate limit any more.
    public var rateLimit: RateLimit??
    /// `.some(nil)`: the server's request timeout again.
    public var timeoutSeconds: Int??

    public init() {}

    /// Header names Courier sets itself; an endpoint may not send its own.
    public static let reservedHeaders: Set<String> = [
        "webhook-id", "webhook-timestamp", "webhook-signature", "content-type", "content-length",
        "host", "transfer-encoding", "connection", "user-agent",
    ]

    public init(json: JSONValue) throws(CourierError) {
        var reader = try JSONFieldReader(json)
        if reader.has("name") { self.name = .some(try reader.string("name")) }
        if reader.has("description") { self.description = .some(try reader.string("description")) }
        self.url = try reader.string("url")
        if let method = try reader.string("method") {
            guard let m = Endpoint.Method(rawValue: method.uppercased()) else {
                throw .invalid("method must be POST or PUT", field: "method")
            }
            self.method = m
        }
        if let types = try reader.stringArray("eventTypes") {
            guard types.count <= Self.eventTypesLimit else {
                throw .invalid("eventTypes may hold at most \(Self.eventTypesLimit) patterns", field: "eventTypes")
            }
            var patterns: [EventTypePattern] = []
            for (i, text) in types.enumerated() {
                patterns.append(try EventTypePattern(text, field: "eventTypes[\(i)]"))
            }
            self.eventTypes = patterns
        }
        self.secret = try reader.string("secret")
        self.headers = try reader.stringMap("headers")
        if let retry = reader.value("retry") {
            self.retry = try RetryPolicy(json: retry)
        }
        if reader.has("batch") {
            self.batch = .some(try reader.value("batch").map { value throws(CourierError) in try BatchPolicy(json: value) })
        }
        if let overrides = reader.value("statusOverrides") {
            self.statusOverrides = try StatusOverrides(json: overrides)
        }
        self.ordered = try reader.bool("ordered")
        if let format = reader.value("format") {
            self.format = try PayloadFormat(json: format)
        }
        if reader.has("auth") {
            self.auth = .some(try reader.value("auth").map { value throws(CourierError) in try OutboundAuth(json: value) })
        }
        self.maxInFlight = try reader.integer("maxInFlight")
        if reader.has("rateLimit") {
            self.rateLimit = .some(try reader.value("rateLimit").map { value throws(CourierError) in try RateLimit(json: value) })
        }
        if reader.has("timeoutSeconds") { self.timeoutSeconds = .some(try reader.integer("timeoutSeconds")) }
        try reader.rejectUnknownFields()
        try validate()
    }

    public static let nameLimit = 128
    public static let descriptionLimit = 1024
    public static let eventTypesLimit = 256
    public static let headersLimit = 32
    public static let maxInFlightRange = 1...1000
    /// CommCare's read timeout is 300 s; a lease covers twice that and more (see ``Lease``).
    public static let timeoutRange = 1...300

    /// Refuses what an endpoint may not be given, whether the changes came as JSON (the API,
    /// the dashboard) or from a Swift caller: ``Endpoint/applying(_:now:)`` asks this first, and
    /// every way of saving an endpoint through ``Webhooks``, the API and the dashboard goes
    /// through it. (An ``Endpoint`` made by hand and given to a store directly does not.)
    public func validate() throws(CourierError) {
        if case .some(.some(let name)) = name {
            guard !name.isEmpty, name.utf8.count <= Self.nameLimit, !name.hasPrefix("ep_"),
                  name.unicodeScalars.allSatisfy({ !CharacterSet.whitespacesAndNewlines.contains($0) && !CharacterSet.controlCharacters.contains($0) })
            else {
                throw .invalid("name must be 1 to \(Self.nameLimit) characters without spaces, not starting with ep_", field: "name")
            }
        }
        if case .some(.some(let description)) = description {
            guard description.utf8.count <= Self.descriptionLimit else {
                throw .invalid("description must be at most \(Self.descriptionLimit) bytes", field: "description")
            }
            _ = try JSONFieldReader.checked(description, field: "description")
        }
        if let url { try Self.validate(url: url) }
        if let eventTypes, eventTypes.count > Self.eventTypesLimit {
            throw .invalid("eventTypes may hold at most \(Self.eventTypesLimit) patterns", field: "eventTypes")
        }
        if let secret { _ = try WebhookSecret(secret, field: "secret") }
        if let headers {
            guard headers.count <= Self.headersLimit else {
                throw .invalid("headers may hold at most \(Self.headersLimit) entries", field: "headers")
            }
            for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
                try Self.validate(header: name, value: value)
            }
        }
        try retry?.validate()
        if case .some(.some(let batch)) = batch { try batch.validate() }
        try statusOverrides?.validate()
        if case .some(.some(let auth)) = auth { try auth.validate() }
        if let maxInFlight { try JSONFieldReader.check(maxInFlight, in: Self.maxInFlightRange, field: "maxInFlight") }
        if case .some(.some(let rateLimit)) = rateLimit { try rateLimit.validate() }
        if case .some(.some(let timeout)) = timeoutSeconds { try JSONFieldReader.check(timeout, in: Self.timeoutRange, field: "timeoutSeconds") }
    }

    public static func validate(url: String) throws(CourierError) {
        guard url.utf8.count <= 2048 else { throw .invalid("url must be at most 2048 bytes", field: "url", code: "invalid_url") }
        // Foundation's parser lets spaces and line breaks through in a path; a URL has none.
        guard !url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else {
            throw .invalid("url must not contain spaces or control characters (percent-encode them)", field: "url", code: "invalid_url")
        }
        // Characters no URL holds unencoded (RFC 3986), which Foundation's parser lets through.
        guard !url.utf8.contains(where: { "\"<>\\`".utf8.contains($0) }) else {
            throw .invalid("url must not contain \", <, >, \\ or ` (percent-encode them)", field: "url", code: "invalid_url")
        }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw .invalid("url is not a valid URL", field: "url", code: "invalid_url")
        }
        guard scheme == "http" || scheme == "https" else {
            throw .invalid("url must use http or https, not \(scheme)", field: "url", code: "invalid_url")
        }
        guard let host = components.host, !host.isEmpty else {
            throw .invalid("url must name a host", field: "url", code: "invalid_url")
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw .invalid("url's port must be 1 to 65535", field: "url", code: "invalid_url")
        }
        // Credentials in a URL are never sent and would show wherever the URL is listed.
        guard components.user == nil, components.password == nil else {
            throw .invalid("url must not hold credentials; give them as auth (basic) instead", field: "url", code: "invalid_url")
        }
        guard components.fragment == nil else {
            throw .invalid("url must not have a fragment", field: "url", code: "invalid_url")
        }
    }

    static func validate(header name: String, value: String) throws(CourierError) {
        let tokenBytes = name.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                || "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
        guard !name.isEmpty, name.utf8.count <= 256, tokenBytes else {
            throw .invalid("header name '\(name)' is not a valid HTTP header name", field: "headers.\(name)")
        }
        guard !reservedHeaders.contains(name.lowercased()) else {
            throw .invalid("header \(name) is set by Courier and cannot be overridden", field: "headers.\(name)")
        }
        guard value.utf8.count <= 8192, !value.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0 }) else {
            throw .invalid("header \(name) has an invalid value", field: "headers.\(name)")
        }
        // HTTP drops white space around a value, so a receiver would never see it: keeping it
        // would make the stored endpoint say something the request does not.
        let blank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 }
        guard !(value.utf8.first.map(blank) ?? false), !(value.utf8.last.map(blank) ?? false) else {
            throw .invalid("header \(name) must not begin or end with white space (HTTP drops it)", field: "headers.\(name)")
        }
    }
}

extension Endpoint {
    /// Applies changes, as a PATCH does, and checks that the result holds together.
    public func applying(_ changes: EndpointChanges, now: Date) throws(CourierError) -> Endpoint {
        try changes.validate()
        var copy = self
        if let name = changes.name { copy.name = name }
        if let description = changes.description { copy.description = description }
        if let url = changes.url { copy.url = url }
        if let method = changes.method { copy.method = method }
        if let eventTypes = changes.eventTypes { copy.eventTypes = eventTypes }
        if let secret = changes.secret { copy.secret = secret }
        if let headers = changes.headers { copy.headers = headers }
        if let retry = changes.retry { copy.retry = retry }
        if let batch = changes.batch { copy.batch = batch }
        if let statusOverrides = changes.statusOverrides { copy.statusOverrides = statusOverrides }
        if let ordered = changes.ordered { copy.ordered = ordered }
        if let format = changes.format { copy.format = format }
        if let auth = changes.auth { copy.auth = auth }
        if let maxInFlight = changes.maxInFlight { copy.maxInFlight = maxInFlight }
        if let rateLimit = changes.rateLimit { copy.rateLimit = rateLimit }
        if let timeoutSeconds = changes.timeoutSeconds { copy.timeoutSeconds = timeoutSeconds }
        copy.updatedAt = now
        if copy.ordered, copy.batch != nil {
            // A partial failure would send part of a batch again behind newer events.
            throw .invalid("ordered and batch cannot be combined; an ordered endpoint gets one event at a time", field: "ordered")
        }
        if let auth = copy.auth, let clash = copy.headers.keys.first(where: { $0.lowercased() == auth.headerName.lowercased() }) {
            // Both would be sent, and a receiver reading the first would miss the credentials.
            throw .invalid(
                "header \(clash) is set by the endpoint's auth; remove it from headers or from auth", field: "headers.\(clash)"
            )
        }
        if copy.batch != nil, !copy.format.batches {
            throw .invalid("a batch is a JSON array: batching needs the envelope or raw format", field: "format")
        }
        return copy
    }

    /// Makes a new endpoint from a create request; `url` and `eventTypes` are required.
    public init(creating changes: EndpointChanges, id: String, tenantID: String, now: Date) throws(CourierError) {
        guard let url = changes.url else { throw .invalid("url is required", field: "url") }
        guard let eventTypes = changes.eventTypes else {
            throw .invalid("eventTypes is required (an empty array subscribes to nothing)", field: "eventTypes")
        }
        self.init(
            id: id, tenantID: tenantID, url: url, eventTypes: eventTypes,
            secret: changes.secret ?? WebhookSecret.generate().description, createdAt: now, updatedAt: now
        )
        self = try applying(changes, now: now)
    }
}

extension Endpoint {
    /// The longest a previous secret may keep signing after a rotation.
    public static let maximumRotationGrace: TimeInterval = 7 * 86400
    public static let defaultRotationGrace: TimeInterval = 86400

    /// A new signing secret; the current one keeps signing beside it for `grace`.
    public func rotatingSecret(to newSecret: String, grace: TimeInterval, now: Date) -> Endpoint {
        var copy = self
        copy.previousSecret = grace > 0 ? secret : nil
        copy.previousSecretExpiresAt = grace > 0 ? now.addingTimeInterval(grace) : nil
        copy.secret = newSecret
        copy.updatedAt = now
        return copy
    }
}
