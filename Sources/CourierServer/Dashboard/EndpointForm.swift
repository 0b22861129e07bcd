import Courier
import Foundation

/// The dashboard's endpoint form: an endpoint's settings as form fields, and posted fields as
/// the API's endpoint JSON.
///
/// The JSON goes through the API's own reader (`EndpointChanges(json:)`), so the dashboard
/// checks an endpoint exactly as the API does and cannot drift from it. The settings are shown
/// from their API representations and read back under the same keys, and every setting the
/// form shows is sent, so saving an edit unchanged leaves the endpoint as it was.
///
/// Credentials are the exception. They are never shown (the API never returns them either), so
/// an empty one stands for the stored one while the auth type stays the same.
struct EndpointForm {
    /// The form's values by field name; credentials only when they were posted.
    private(set) var values: [String: String]

    /// A form field and the API key it stands for, within its part of the endpoint's JSON.
    typealias Field = (name: String, key: String)

    static let retryFields: [String: [Field]] = [
        "standard": [], "commcare": [],
        "fixed": [("retryRetries", "retries"), ("retryInterval", "interval")],
        "delays": [("retryDelays", "delays")],
        "exponential": [
            ("retryInitial", "initial"), ("retryFactor", "factor"), ("retryMax", "max"), ("retryMaxAttempts", "maxAttempts"),
            ("retryMaxAge", "maxAge"),
        ],
    ]
    static let batchFields: [Field] = [("batchMaxSize", "maxSize"), ("batchMaxWaitMs", "maxWaitMs")]
    static let rateLimitFields: [Field] = [("rateLimitRequests", "requests"), ("rateLimitSeconds", "seconds")]
    static let statusFields: [Field] = [("retryStatuses", "retry"), ("noRetryStatuses", "noRetry")]
    static let authFields: [String: [Field]] = [
        "basic": [("authUsername", "username"), ("authPassword", "password")],
        "bearer": [("authToken", "token")],
        "apiKey": [("authHeader", "header"), ("authValue", "value")],
        "oauth2": [
            ("authTokenUrl", "tokenUrl"), ("authClientId", "clientId"), ("authClientSecret", "clientSecret"), ("authScope", "scope"),
            ("authAudience", "audience"),
        ],
    ]
    /// The fields that hold credentials: never shown, and kept when left empty.
    static let credentials: Set<String> = ["authPassword", "authToken", "authValue", "authClientSecret"]

    /// The `<details>` groups of advanced settings, each open when it holds something other
    /// than a new endpoint's defaults (so a mistake to correct is always in an open one).
    static let sections: [(name: String, fields: [String])] = [
        ("openRequest", ["method", "headers", "timeoutSeconds"]),
        ("openRetry", ["retry"] + retryFields.values.flatMap { $0.map(\.name) }),
        ("openDelivery", batchFields.map(\.name) + ["ordered"] + rateLimitFields.map(\.name)),
        ("openFormat", ["format", "formatTemplate", "formatContentType"]),
        ("openStatuses", statusFields.map(\.name)),
        ("openAuth", ["auth"] + authFields.values.flatMap { $0.map(\.name) }),
    ]

    static let names: [String] = ["name", "url", "description", "eventTypes", "maxInFlight"] + sections.flatMap(\.fields)

    /// The form showing an endpoint's settings, or a new endpoint's defaults.
    init(showing endpoint: Endpoint?) {
        let shown = endpoint ?? Endpoint(id: "", tenantID: "", url: "", eventTypes: [], secret: "", createdAt: .distantPast, updatedAt: .distantPast)
        values = [
            "name": shown.name ?? "", "url": shown.url, "description": shown.description ?? "",
            "eventTypes": endpoint == nil ? "*" : shown.eventTypes.isEmpty ? "none" : shown.eventTypes.map(\.description).joined(separator: " "),
            "maxInFlight": String(shown.maxInFlight), "method": shown.method.rawValue,
            "headers": shown.headers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "\n"),
            "ordered": shown.ordered ? "on" : "", "timeoutSeconds": shown.timeoutSeconds.map(String.init) ?? "",
        ]
        let retry = shown.retry.json.objectValue ?? JSONObject()
        let retryKind = shown.retry == .standard ? "standard"
            : retry["preset"]?.stringValue ?? (retry["delays"] != nil ? "delays" : "exponential")
        values["retry"] = retryKind
        show(retry, Self.retryFields[retryKind] ?? [])
        show(shown.batch?.json.objectValue ?? JSONObject(), Self.batchFields)
        show(shown.rateLimit?.json.objectValue ?? JSONObject(), Self.rateLimitFields)
        show(shown.statusOverrides.json.objectValue ?? JSONObject(), Self.statusFields)
        switch shown.format.json {
        case .object(let template):
            values["format"] = "template"
            values["formatTemplate"] = template["template"]?.stringValue
            values["formatContentType"] = template["contentType"]?.stringValue
        case let format:
            values["format"] = format.stringValue
        }
        // The public form leaves the credentials out, so they can never reach the page.
        let auth = shown.auth?.publicJSON.objectValue ?? JSONObject()
        values["auth"] = auth["type"]?.stringValue ?? "none"
        show(auth, Self.authFields[values["auth"] ?? ""] ?? [])
    }

    /// The form as posted, credentials included.
    init(posted form: FormFields) {
        values = Dictionary(Self.names.map { ($0, form[$0] ?? "") }, uniquingKeysWith: { first, _ in first })
    }

    private mutating func show(_ object: JSONObject, _ fields: [Field]) {
        for field in fields {
            values[field.name] = switch object[field.key] {
            case .number(let text)?, .string(let text)?: text
            case .array(let items)?: items.map { if case .number(let text) = $0 { text } else { "" } }.joined(separator: " ")
            default: ""
            }
        }
    }

    // MARK: The API's JSON

    /// The endpoint JSON for `EndpointChanges(json:)`. `stored` is the endpoint being edited:
    /// its credentials stand in for empty ones, and its template and description for ones that
    /// differ only in line breaks (a browser posts a textarea's with CR LF).
    func json(editing stored: Endpoint?) throws(CourierError) -> JSONValue {
        var object = JSONObject()
        object["name"] = nonEmpty("name").map(JSONValue.string) ?? .null
        if let url = nonEmpty("url") { object["url"] = .string(url) }
        object["description"] = nonEmpty("description").map { posted in
            // A textarea posts CR LF; an unchanged description keeps its own line breaks.
            if let current = stored?.description, Self.lineFeeds(current) == Self.lineFeeds(posted) { return .string(current) }
            return .string(Self.lineFeeds(posted))
        } ?? .null
        let types = (values["eventTypes"] ?? "").split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        object["eventTypes"] = .array(types == ["none"] ? [] : types.map(JSONValue.string))
        if let text = trimmed("maxInFlight") { object["maxInFlight"] = try Self.number(text, path: "maxInFlight") }
        object["method"] = .string(values["method"] ?? "")
        object["headers"] = try headers()
        object["timeoutSeconds"] = try trimmed("timeoutSeconds").map { text throws(CourierError) in try Self.number(text, path: "timeoutSeconds") } ?? .null
        object["retry"] = try retry()
        let batch = try fields(Self.batchFields, path: "batch")
        object["batch"] = batch.fields.isEmpty ? .null : .object(batch)
        object["ordered"] = .bool(nonEmpty("ordered") != nil)
        let rateLimit = try fields(Self.rateLimitFields, path: "rateLimit")
        object["rateLimit"] = rateLimit.fields.isEmpty ? .null : .object(rateLimit)
        object["format"] = format(stored: stored?.format)
        object["statusOverrides"] = .object(try fields(Self.statusFields, path: "statusOverrides", lists: true))
        object["auth"] = auth(stored: stored?.auth)
        return .object(object)
    }

    /// The value as typed (settings round-trip exactly), or nil when the field is empty.
    private func nonEmpty(_ name: String) -> String? {
        values[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A number's text without the spaces around it, or nil when there is none.
    private func trimmed(_ name: String) -> String? {
        nonEmpty(name).map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// One `Name: value` a line.
    private func headers() throws(CourierError) -> JSONValue {
        var headers = JSONObject()
        for line in (values["headers"] ?? "").split(whereSeparator: \.isNewline) where !line.allSatisfy(\.isWhitespace) {
            guard let colon = line.firstIndex(of: ":") else {
                throw .invalid("headers: '\(line)' is not a Name: value line", field: "headers")
            }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            guard headers[name] == nil else { throw .invalid("headers: \(name) is given twice", field: "headers.\(name)") }
            headers[name] = .string(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return .object(headers)
    }

    private func retry() throws(CourierError) -> JSONValue {
        let kind = values["retry"] ?? ""
        var retry = try fields(Self.retryFields[kind] ?? [], path: "retry", lists: kind == "delays")
        switch kind {
        case "delays":
            break
        case "exponential":
            guard retry["initial"] != nil else { throw .invalid("retry.initial is required for exponential retries", field: "retry.initial") }
        default:
            retry = JSONObject([JSONObject.Field(key: "preset", value: .string(kind))] + retry.fields)
        }
        return .object(retry)
    }

    private func format(stored: PayloadFormat?) -> JSONValue {
        let kind = values["format"] ?? ""
        guard kind == "template" else { return .string(kind) }
        var template = JSONObject()
        if let source = nonEmpty("formatTemplate") {
            if case .template(let current)? = stored, Self.lineFeeds(current.source) == Self.lineFeeds(source) {
                template["template"] = .string(current.source)
            } else {
                template["template"] = .string(Self.lineFeeds(source))
            }
        }
        if let contentType = nonEmpty("formatContentType") { template["contentType"] = .string(contentType) }
        return .object(template)
    }

    private func auth(stored: OutboundAuth?) -> JSONValue {
        let type = values["auth"] ?? ""
        guard type != "none" else { return .null }
        var auth = JSONObject([JSONObject.Field(key: "type", value: .string(type))])
        let fields = Self.authFields[type] ?? []
        for field in fields {
            if let value = nonEmpty(field.name) { auth[field.key] = .string(value) }
        }
        if let stored = stored?.storedJSON.objectValue, stored["type"] == .string(type) {
            for field in fields where Self.credentials.contains(field.name) && auth[field.key] == nil {
                auth[field.key] = stored[field.key]
            }
        }
        return .object(auth)
    }

    /// The fields that are filled in, as numbers (or lists of numbers) under their API keys.
    private func fields(_ fields: [Field], path: String, lists: Bool = false) throws(CourierError) -> JSONObject {
        var object = JSONObject()
        for field in fields {
            let text = values[field.name] ?? ""
            if lists {
                var items: [JSONValue] = []
                for item in text.split(whereSeparator: { $0 == " " || $0 == "," }) {
                    items.append(try Self.number(String(item), path: "\(path).\(field.key)"))
                }
                object[field.key] = .array(items)
            } else if let text = trimmed(field.name) {
                object[field.key] = try Self.number(text, path: "\(path).\(field.key)")
            }
        }
        return object
    }

    /// A number as JSON writes it; ranges and whole numbers are the API reader's to check.
    private static func number(_ text: String, path: String) throws(CourierError) -> JSONValue {
        guard case .number? = try? JSONParser.parse(text) else { throw .invalid("\(path) must be a number, not '\(text)'", field: path) }
        return .number(text)
    }

    private static func lineFeeds(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
    }

    // MARK: The page

    /// The template's data: the values without credentials, the choices of each select, and
    /// which groups are open. `stored` is the endpoint being edited, whose credentials are kept.
    func data(stored: Endpoint?) -> [String: Any] {
        var data: [String: Any] = values.filter { !Self.credentials.contains($0.key) }
        data["ordered"] = nonEmpty("ordered") != nil
        data["methodOptions"] = options(Endpoint.Method.allCases.map { ($0.rawValue, $0.rawValue) }, selected: "method")
        data["retryOptions"] = options(
            [("standard", "Standard: 8 attempts over a day and a half"), ("exponential", "Exponential"), ("delays", "Listed waits"),
             ("fixed", "Fixed interval"), ("commcare", "CommCare's repeat records")],
            selected: "retry"
        )
        data["formatOptions"] = options(
            [("envelope", "Standard Webhooks envelope"), ("raw", "The payload as published"), ("form", "Form fields"), ("xml", "XML"),
             ("template", "Template")],
            selected: "format"
        )
        data["authOptions"] = options(
            [("none", "None"), ("basic", "Basic"), ("bearer", "Bearer token"), ("apiKey", "API key header"),
             ("oauth2", "OAuth 2.0 client credentials")],
            selected: "auth"
        )
        // Only a refused form holds credentials; the person must know they were not kept.
        data["retypeCredentials"] = Self.credentials.contains { nonEmpty($0) != nil }
        if let type = stored?.auth?.publicJSON.objectValue?["type"]?.stringValue {
            data["kept" + type.prefix(1).uppercased() + type.dropFirst()] = true
        }
        let defaults = EndpointForm(showing: nil).values
        for section in Self.sections {
            data[section.name] = section.fields.contains { (values[$0] ?? "") != (defaults[$0] ?? "") }
        }
        return data
    }

    private func options(_ choices: [(value: String, label: String)], selected name: String) -> [[String: Any]] {
        choices.map { ["value": $0.value, "label": $0.label, "selected": $0.value == values[name]] }
    }
}
