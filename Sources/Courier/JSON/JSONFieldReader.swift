/// Reads typed fields out of a JSON object for one API request, refusing unknown fields.
///
/// Request bodies are validated by hand rather than by `Decodable` so that every mistake gets a
/// clear message naming the field (`url must be a string`), unknown fields are refused instead of
/// silently ignored, and nested paths (`[3].type`, `retry.delays`) appear in errors.
public struct JSONFieldReader {
    public let object: JSONObject
    public let path: String
    private var consumed: Set<String> = []

    public init(_ object: JSONObject, path: String = "") {
        self.object = object
        self.path = path
    }

    public init(_ value: JSONValue, path: String = "", what: String = "the body") throws(CourierError) {
        guard case .object(let object) = value else {
            throw .invalid("\(what) must be a JSON object, not \(value.typeName)", field: path.isEmpty ? nil : path)
        }
        self.init(object, path: path)
    }

    public func fieldPath(_ key: String) -> String {
        Self.fieldPath(key, in: path)
    }

    /// `key` as an error names it inside the object at `path` (`[3].type`, `retry.delays`).
    public static func fieldPath(_ key: String, in path: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// The raw value of `key`, treating an explicit `null` as absent.
    public mutating func value(_ key: String) -> JSONValue? {
        consumed.insert(key)
        guard let value = object[key] else { return nil }
        if case .null = value { return nil }
        return value
    }

    public func has(_ key: String) -> Bool {
        object[key] != nil
    }

    public mutating func string(_ key: String) throws(CourierError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let s) = value else {
            throw .invalid("\(fieldPath(key)) must be a string, not \(value.typeName)", field: fieldPath(key))
        }
        return try Self.checked(s, field: fieldPath(key))
    }

    /// Refuses NUL (`\u0000`) in a string that will be kept as text: PostgreSQL's text cannot
    /// hold it, and a key or a name that differs only after one is a mistake, not a meaning.
    /// Payloads and kwargs are JSON documents and keep theirs.
    public static func checked(_ string: String, field: String) throws(CourierError) -> String {
        guard !string.utf8.contains(0) else {
            throw .invalid("\(field) must not contain NUL (\\u0000)", field: field)
        }
        return string
    }

    /// A string of at most `maximumBytes` in UTF-8: free text kept and shown back (a name, a
    /// reason) has a bound, or one request could store megabytes of it.
    public mutating func string(_ key: String, maximumBytes: Int) throws(CourierError) -> String? {
        guard let s = try string(key) else { return nil }
        guard s.utf8.count <= maximumBytes else {
            throw .invalid("\(fieldPath(key)) must be at most \(maximumBytes) bytes", field: fieldPath(key))
        }
        return s
    }

    public mutating func requiredString(_ key: String) throws(CourierError) -> String {
        guard let s = try string(key) else {
            throw .invalid("\(fieldPath(key)) is required", field: fieldPath(key))
        }
        return s
    }

    public mutating func bool(_ key: String) throws(CourierError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let b) = value else {
            throw .invalid("\(fieldPath(key)) must be true or false, not \(value.typeName)", field: fieldPath(key))
        }
        return b
    }

    public mutating func double(_ key: String) throws(CourierError) -> Double? {
        guard let value = value(key) else { return nil }
        guard case .number(let text) = value, let d = Double(text), d.isFinite else {
            throw .invalid("\(fieldPath(key)) must be a number, not \(value.typeName)", field: fieldPath(key))
        }
        return d
    }

    /// A whole number, whatever its size: for a value whose bounds its type checks.
    public mutating func integer(_ key: String) throws(CourierError) -> Int? {
        guard let value = value(key) else { return nil }
        guard case .number(let text) = value, let i = Int(text) else {
            throw .invalid("\(fieldPath(key)) must be a whole number", field: fieldPath(key))
        }
        return i
    }

    public mutating func integer(_ key: String, in range: ClosedRange<Int>) throws(CourierError) -> Int? {
        guard let i = try integer(key) else { return nil }
        try Self.check(i, in: range, field: fieldPath(key))
        return i
    }

    /// The one wording of a number out of its bounds, for the JSON readers and for the checks of
    /// values a Swift caller made.
    public static func check<Number: Comparable>(_ value: Number, in range: ClosedRange<Number>, field: String) throws(CourierError) {
        guard range.contains(value) else {
            throw .invalid("\(field) must be between \(range.lowerBound) and \(range.upperBound)", field: field)
        }
    }

    public mutating func stringArray(_ key: String) throws(CourierError) -> [String]? {
        guard let value = value(key) else { return nil }
        guard case .array(let elements) = value else {
            throw .invalid("\(fieldPath(key)) must be an array of strings, not \(value.typeName)", field: fieldPath(key))
        }
        var strings: [String] = []
        for (i, element) in elements.enumerated() {
            guard case .string(let s) = element else {
                throw .invalid("\(fieldPath(key))[\(i)] must be a string", field: "\(fieldPath(key))[\(i)]")
            }
            strings.append(try Self.checked(s, field: "\(fieldPath(key))[\(i)]"))
        }
        return strings
    }

    public mutating func stringMap(_ key: String) throws(CourierError) -> [String: String]? {
        guard let value = value(key) else { return nil }
        guard case .object(let object) = value else {
            throw .invalid("\(fieldPath(key)) must be an object of strings, not \(value.typeName)", field: fieldPath(key))
        }
        var map: [String: String] = [:]
        for field in object.fields {
            guard case .string(let s) = field.value else {
                throw .invalid("\(fieldPath(key)).\(field.key) must be a string", field: "\(fieldPath(key)).\(field.key)")
            }
            let path = "\(fieldPath(key)).\(field.key)"
            map[try Self.checked(field.key, field: path)] = try Self.checked(s, field: path)
        }
        return map
    }

    public mutating func object(_ key: String) throws(CourierError) -> JSONObject? {
        guard let value = value(key) else { return nil }
        guard case .object(let object) = value else {
            throw .invalid("\(fieldPath(key)) must be an object, not \(value.typeName)", field: fieldPath(key))
        }
        return object
    }

    /// Throws for the first field that no accessor asked for.
    public func rejectUnknownFields() throws(CourierError) {
        for key in object.keys where !consumed.contains(key) {
            throw .invalid("unknown field \(fieldPath(key))", field: fieldPath(key), code: "unknown_field")
        }
    }
}
