/// A JSON document held as parsed, with object keys in the order they were written.
///
/// Courier forwards what applications publish: a receiver should see its payload with the
/// keys in the order the publisher wrote them and its numbers exactly as written, so numbers
/// keep their source text and objects keep their field order (a `Dictionary` would lose both).
public indirect enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number, kept as its JSON text so that no precision is lost on the way through.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The value as compact JSON bytes (no insignificant white space).
    public var bytes: [UInt8] {
        var writer = JSONWriter()
        writer.write(self)
        return writer.bytes
    }

    /// The value indented for a person to read (see ``JSONWriter/writePretty(_:level:)``).
    public var prettyPrinted: String {
        var writer = JSONWriter()
        writer.writePretty(self)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var doubleValue: Double? {
        if case .number(let text) = self { return Double(text) }
        return nil
    }

    /// The JSON type's name, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    public static func integer(_ value: Int) -> JSONValue { .number(String(value)) }
    public static func double(_ value: Double) -> JSONValue {
        if value.rounded() == value, abs(value) < 1e15 { return .number(String(Int(value))) }
        return .number(String(value))
    }
}

/// A JSON object whose fields keep the order they were written in.
public struct JSONObject: Sendable, Hashable {
    public struct Field: Sendable, Hashable {
        public var key: String
        public var value: JSONValue
        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    public var fields: [Field]

    public init(_ fields: [Field] = []) {
        self.fields = fields
    }

    public init(_ pairs: KeyValuePairs<String, JSONValue>) {
        self.fields = pairs.map { Field(key: $0.key, value: $0.value) }
    }

    /// The last value written under `key` (JSON leaves duplicates undefined; the last one wins, as in most parsers).
    public subscript(key: String) -> JSONValue? {
        get { fields.last(where: { $0.key == key })?.value }
        set {
            fields.removeAll { $0.key == key }
            if let newValue { fields.append(Field(key: key, value: newValue)) }
        }
    }

    public var keys: [String] { fields.map(\.key) }

    /// Adds a field at the end without looking for an earlier one of the same key (for building).
    public mutating func append(_ key: String, _ value: JSONValue) {
        fields.append(Field(key: key, value: value))
    }
}

/// Numbers, booleans and strings written as literals, for code that builds kwargs and results
/// (`["attempts": 3, "done": true, "by": "hand"]`).
extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { Field(key: $0.0, value: $0.1) })
    }
}

extension JSONValue: ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral, ExpressibleByStringLiteral {
    public init(stringLiteral value: String) {
        self = .string(value)
    }

    public init(integerLiteral value: Int) {
        self = .integer(value)
    }

    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}
