import Mustache

/// A Mustache template that builds an endpoint's request body, for receivers that want a shape
/// of their own (a chat message, a ticket, a legacy API) rather than the envelope.
///
/// The template is compiled when the endpoint's format is read, so a syntax error is refused
/// when the endpoint is saved and never turns up when an event is sent. It renders over:
///
/// - `id`, `type`: the event's;
/// - `key`: the event's key, or nothing when it has none;
/// - `timestamp`: when it occurred, in RFC 3339 as the envelope writes it;
/// - `data`: the payload as published.
///
/// JSON values appear to the template as:
///
/// - objects: their fields by name (`{{data.customer.name}}`); interpolated whole, an object
///   writes its compact JSON (`{{{data}}}` sends the payload as it was published);
/// - arrays: lists that sections repeat over (`{{#data.items}}{{name}}{{/data.items}}`) and
///   that are false when empty; interpolated whole, their compact JSON;
/// - strings: as they are (true in a section, even when empty);
/// - numbers: their JSON text, so `{{data.amount}}` writes `1.50` exactly as published (and,
///   being text, a number is true in a section even when it is 0);
/// - true and false: booleans, for sections and inverted sections;
/// - null: nothing, as if the field were absent (false in a section, empty when interpolated),
///   except that it hides a field of the same name further out.
///
/// As everywhere in Mustache, `{{name}}` escapes HTML (`&`, `<`, `>`, `"`, `'` become
/// `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&#39;`) and `{{{name}}}` or `{{& name}}` writes the value
/// as it is; a template that builds JSON or plain text wants the triple form, or the pragma
/// `{{%CONTENT_TYPE:TEXT}}` at its start to turn escaping off for the whole template. There
/// are no partials (`{{> name}}` writes nothing).
///
/// A rendering that is empty or only white space means there is nothing to send: a template
/// can skip events that way (`{{#data.important}}…{{/data.important}}`).
public struct PayloadTemplate: Sendable, Hashable {
    public let source: String
    /// The `content-type` of the requests.
    public let contentType: String
    /// `MustacheTemplate` is a `Sendable` value (its tokens, nested templates included, are
    /// immutable after parsing, and rendering reads them without shared state), so it is kept
    /// compiled here and rendered from any thread.
    private let compiled: MustacheTemplate

    public static let defaultContentType = "text/plain; charset=utf-8"
    /// The largest template source accepted, in UTF-8 bytes.
    public static let maximumSourceBytes = 64 * 1024
    /// The longest `contentType` accepted, in bytes.
    public static let maximumContentTypeBytes = 256
    /// How deeply sections may nest. swift-mustache parses and renders a level by recursing, and
    /// some 700 levels already overflow a task's stack in a debug build; no useful template comes
    /// near 64.
    public static let maximumSectionDepth = 64

    /// Compiles `source`, refusing it (naming `path.template` or `path.contentType`) when it is
    /// not a valid template or `contentType` is not a plain media type.
    public init(source: String, contentType: String = Self.defaultContentType, path: String = "format") throws(CourierError) {
        let sourceField = path.isEmpty ? "template" : "\(path).template"
        let contentTypeField = path.isEmpty ? "contentType" : "\(path).contentType"
        guard source.utf8.count <= Self.maximumSourceBytes else {
            throw .invalid("\(sourceField) must be at most \(Self.maximumSourceBytes) bytes", field: sourceField)
        }
        guard source.contains(where: { !$0.isWhitespace }) else {
            throw .invalid("\(sourceField) must not be empty", field: sourceField)
        }
        guard Self.isMediaType(contentType) else {
            throw .invalid(
                "\(contentTypeField) must be a media type such as \(Self.defaultContentType), of printable ASCII and at most \(Self.maximumContentTypeBytes) bytes",
                field: contentTypeField
            )
        }
        if let problem = Self.tagProblem(source) {
            throw .invalid("\(sourceField) is not a valid Mustache template: \(problem)", field: sourceField)
        }
        do {
            compiled = try MustacheTemplate(string: source)
        } catch {
            throw .invalid("\(sourceField) is not a valid Mustache template: \(Self.describe(error))", field: sourceField)
        }
        self.source = source
        self.contentType = contentType
    }

    /// The body for `event`, whose payload is `data`; nil when it renders to nothing but white space.
    func render(_ event: Event, data: JSONValue) -> [UInt8]? {
        let context = JSONObject([
            "id": .string(event.id),
            "type": .string(event.type),
            "key": event.key.map(JSONValue.string) ?? .null,
            "timestamp": .string(Timestamp.format(event.occurredAt)),
            "data": data,
        ])
        let text = compiled.render(MustacheObject(object: context))
        guard text.contains(where: { !$0.isWhitespace }) else { return nil }
        return Array(text.utf8)
    }

    public static func == (lhs: PayloadTemplate, rhs: PayloadTemplate) -> Bool {
        lhs.source == rhs.source && lhs.contentType == rhs.contentType
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(source)
        hasher.combine(contentType)
    }

    /// `type/subtype` (RFC 9110 tokens), then parameters if any, all printable ASCII: the value
    /// goes into a header as it is, so nothing may break the header or confuse a receiver.
    static func isMediaType(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard !bytes.isEmpty, bytes.count <= maximumContentTypeBytes,
              bytes.allSatisfy({ (0x20...0x7E).contains($0) }) else { return false }
        var mediaType = bytes.prefix(while: { $0 != UInt8(ascii: ";") })
        while mediaType.last == UInt8(ascii: " ") { mediaType.removeLast() }
        let parts = mediaType.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        let tokenSymbols = Array("!#$%&'*+-.^_`|~".utf8)
        func isToken(_ part: ArraySlice<UInt8>) -> Bool {
            !part.isEmpty && part.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || tokenSymbols.contains(byte)
            }
        }
        return isToken(parts[0]) && isToken(parts[1])
    }

    /// Refuses sections nested deeper than ``maximumSectionDepth`` before the parser, which
    /// recurses once per level, sees them, and a tag opened and never closed, which the parser
    /// takes (`abc {{` renders `abc `). Reads tags as the parser does, following delimiter
    /// changes (`{{=<% %>=}}`); whatever else it cannot read, the parser refuses anyway.
    static func tagProblem(_ source: String) -> String? {
        let bytes = Array(source.utf8)
        var open = Array("{{".utf8)
        var close = Array("}}".utf8)
        var index = 0
        var depth = 0
        func matches(_ pattern: [UInt8], at position: Int) -> Bool {
            position + pattern.count <= bytes.count && bytes[position..<position + pattern.count].elementsEqual(pattern)
        }
        while index < bytes.count {
            guard matches(open, at: index) else {
                index += 1
                continue
            }
            let start = index + open.count
            var end = start
            while end < bytes.count, !matches(close, at: end) { end += 1 }
            guard end < bytes.count else { return "a tag is not closed" }
            guard start < end else { return nil }
            index = end + close.count
            switch bytes[start] {
            case UInt8(ascii: "#"), UInt8(ascii: "^"), UInt8(ascii: "$"), UInt8(ascii: "<"):
                depth += 1
                if depth > maximumSectionDepth {
                    return "sections nest deeper than \(maximumSectionDepth) levels"
                }
            case UInt8(ascii: "/"):
                depth = max(0, depth - 1)
            case UInt8(ascii: "="):
                // `=<% %>=`: the new opening and closing delimiters, apart by white space.
                let inner = String(decoding: bytes[(start + 1)..<end], as: UTF8.self)
                let parts = inner.dropLast().split(whereSeparator: \.isWhitespace)
                guard inner.last == "=", parts.count == 2, !parts[1].contains("=") else {
                    return "a set-delimiter tag is malformed"
                }
                open = Array(parts[0].utf8)
                close = Array(parts[1].utf8)
            default:
                break
            }
        }
        return nil
    }

    private static func describe(_ error: any Error) -> String {
        guard let parserError = error as? MustacheTemplate.ParserError else { return "\(error)" }
        let what: String
        switch parserError.error as? MustacheTemplate.Error {
        case .sectionCloseNameIncorrect?: what = "a section is closed with a name other than the one it was opened with"
        case .unfinishedName?: what = "a tag is not closed"
        case .expectedSectionEnd?: what = "a section is not closed"
        case .invalidSetDelimiter?: what = "a set-delimiter tag is malformed"
        case .transformAppliedToInheritanceSection?: what = "a transform is applied to an inheritance block"
        case .illegalTokenInsideInheritSection?, .textInsideInheritSection?: what = "a partial with inheritance holds something other than blocks"
        case .invalidConfigVariableSyntax?: what = "a pragma tag is malformed"
        case .unrecognisedConfigVariable?: what = "a pragma is not recognised"
        case nil: what = "\(parserError.error)"
        }
        let context = parserError.context
        return "\(what) (line \(context.lineNumber), column \(context.columnNumber))"
    }
}

/// A JSON object as a template sees it: its fields by name, its compact JSON when written whole.
///
/// Not a `[String: Any]`, which swift-mustache would also read: a dictionary written whole
/// comes out in Swift's debug form, in an order that changes from process to process.
private struct MustacheObject: MustacheParent, MustacheCustomRenderable {
    let object: JSONObject

    func child(named name: String) -> Any? {
        object[name].map(mustacheValue)
    }

    var renderText: String { String(decoding: JSONValue.object(object).bytes, as: UTF8.self) }
    var isNull: Bool { false }
}

/// A JSON array as a template sees it: a list for sections and transforms (`first`, `count`,
/// …), its compact JSON when written whole.
private struct MustacheArray: MustacheSequence, MustacheParent, MustacheTransformable, MustacheCustomRenderable {
    let elements: [JSONValue]

    func makeIterator() -> IndexingIterator<[Any]> {
        elements.map(mustacheValue).makeIterator()
    }

    func transform(_ name: String) -> Any? {
        elements.map(mustacheValue).transform(name)
    }

    /// No names: without this, lookups would fall back to reflection and find `elements`.
    func child(named name: String) -> Any? { nil }

    var renderText: String { String(decoding: JSONValue.array(elements).bytes, as: UTF8.self) }
    var isNull: Bool { false }
}

/// JSON's null: found (so it hides a field of the same name further out), then read as absent.
private struct MustacheNull: MustacheCustomRepresentation {
    var representation: Any? { nil }
}

private func mustacheValue(_ value: JSONValue) -> Any {
    switch value {
    case .null: MustacheNull()
    case .bool(let bool): bool
    case .number(let text): text
    case .string(let string): string
    case .array(let elements): MustacheArray(elements: elements)
    case .object(let object): MustacheObject(object: object)
    }
}
