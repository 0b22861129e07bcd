/// How an endpoint's requests carry an event.
///
/// Most receivers take the Standard Webhooks envelope, but some were built for a provider that
/// posts the bare payload, a form or XML, or want a body of their own; the format lets them take
/// events without a translating proxy in between. Signing and headers are the same whatever
/// the format: the signature covers the body as sent.
public enum PayloadFormat: Sendable, Hashable {
    /// The Standard Webhooks envelope `{"id","type","timestamp","data"}`, as
    /// ``WebhookMessage/envelope(for:)`` builds it: the default.
    case envelope
    /// The payload exactly as published (key order and number text kept), as `application/json`.
    case raw
    /// The payload flattened into `application/x-www-form-urlencoded` pairs (the mapping is described on `FormEncoding`).
    case form
    /// The envelope as `application/xml` (the mapping is described on `XMLEncoding`).
    case xml
    /// A Mustache template and the content type of what it renders (see ``PayloadTemplate``).
    case template(PayloadTemplate)

    public static let jsonContentType = "application/json"
    public static let formContentType = "application/x-www-form-urlencoded"
    public static let xmlContentType = "application/xml"

    /// The body and content type for one event, or nil when there is nothing to send (a
    /// template that renders only white space).
    ///
    /// Never fails: a payload that does not parse (stored payloads always do, as they were
    /// parsed when published) is taken as one JSON string holding its text, so form, XML and
    /// templates still send something a person can read, with nothing of it lost or executed.
    public func render(_ event: Event) -> (body: [UInt8], contentType: String)? {
        switch self {
        case .envelope:
            let message = WebhookMessage.envelope(for: event)
            return (message.body, message.contentType)
        case .raw:
            return (event.payload, Self.jsonContentType)
        case .form:
            return (FormEncoding.encode(Self.payload(of: event)), Self.formContentType)
        case .xml:
            return (XMLEncoding.document(for: event, payload: Self.payload(of: event)), Self.xmlContentType)
        case .template(let template):
            guard let body = template.render(event, data: Self.payload(of: event)) else { return nil }
            return (body, template.contentType)
        }
    }

    /// Whether batches (a JSON array of per-event bodies) can use this format: only the JSON
    /// ones, since an array of forms, XML documents or free text is no document at all.
    public var batches: Bool {
        switch self {
        case .envelope, .raw: true
        case .form, .xml, .template: false
        }
    }

    private static func payload(of event: Event) -> JSONValue {
        (try? JSONParser.parseStored(event.payload)) ?? .string(String(decoding: event.payload, as: UTF8.self))
    }
}

extension PayloadFormat {
    /// Reads the endpoint's `format`: `"envelope"`, `"raw"`, `"form"`, `"xml"`, or
    /// `{"template": "…", "contentType": "text/plain; charset=utf-8"}` (`contentType` optional).
    public init(json: JSONValue, path: String = "format") throws(CourierError) {
        switch json {
        case .string(let name):
            switch name {
            case "envelope": self = .envelope
            case "raw": self = .raw
            case "form": self = .form
            case "xml": self = .xml
            default:
                throw .invalid("\(path) must be envelope, raw, form, xml or a template object, not \(name)", field: path)
            }
        case .object:
            var reader = try JSONFieldReader(json, path: path, what: path)
            let source = try reader.requiredString("template")
            let contentType = try reader.string("contentType") ?? PayloadTemplate.defaultContentType
            try reader.rejectUnknownFields()
            self = .template(try PayloadTemplate(source: source, contentType: contentType, path: path))
        default:
            throw .invalid("\(path) must be a string or an object, not \(json.typeName)", field: path)
        }
    }

    /// The format as the API shows it, in the shape it is written in (a template with its
    /// content type, even when that is the default).
    public var json: JSONValue {
        switch self {
        case .envelope: .string("envelope")
        case .raw: .string("raw")
        case .form: .string("form")
        case .xml: .string("xml")
        case .template(let template):
            .object(JSONObject([
                "template": .string(template.source),
                "contentType": .string(template.contentType),
            ]))
        }
    }
}
