/// What a session does once a set of triggers has fired: the EFL triggers framework's task.
///
/// `after` must all have fired, in any order. `unless`, once all have fired, abandons what has
/// not started. `andEvery` makes a new instance each time it fires (and is part of `after`).
/// `withParams` are static kwargs per trigger, merged under the kwargs that fired.
public struct TaskConfig: Sendable, Hashable {
    public var name: String
    public var after: Set<String>
    /// An endpoint's name or id on the server; a registered handler's name in the library.
    public var run: String
    public var unless: Set<String>
    public var andEvery: String?
    public var withParams: JSONObject

    public init(
        name: String, after: Set<String>, run: String, unless: Set<String> = [], andEvery: String? = nil,
        withParams: JSONObject = JSONObject()
    ) {
        self.name = name
        self.after = after.union(andEvery.map { [$0] } ?? [])
        self.run = run
        self.unless = unless
        self.andEvery = andEvery
        self.withParams = withParams
    }
}

extension TaskConfig {
    /// Reads one task of `PUT /v1/sessions/{uid}/tasks`: `{after, run, unless?, andEvery?, withParams?}`.
    public init(name: String, json: JSONValue, path: String) throws(CourierError) {
        guard Self.isName(name) else {
            throw .invalid("\(path): task names are 1 to 128 characters without spaces, # or /", field: path)
        }
        var reader = try JSONFieldReader(json, path: path, what: path)
        guard let after = try reader.stringArray("after"), !after.isEmpty else {
            throw .invalid("\(reader.fieldPath("after")) is required: the triggers that must all fire", field: reader.fieldPath("after"))
        }
        let run = try reader.requiredString("run")
        guard !run.isEmpty else {
            throw .invalid("\(reader.fieldPath("run")) must name an endpoint (by its name or id) or a handler", field: reader.fieldPath("run"))
        }
        let unless = try reader.stringArray("unless") ?? []
        let andEvery = try reader.string("andEvery")
        var withParams = JSONObject()
        if let value = reader.value("withParams") {
            guard let object = value.objectValue, object.fields.allSatisfy({ $0.value.objectValue != nil }) else {
                throw .invalid(
                    "\(reader.fieldPath("withParams")) must map trigger names to objects of static kwargs", field: reader.fieldPath("withParams")
                )
            }
            withParams = object
        }
        try reader.rejectUnknownFields()
        // Each name where it was given, so that the error points at it.
        let named = after.enumerated().map { ("after[\($0.offset)]", $0.element) }
            + unless.enumerated().map { ("unless[\($0.offset)]", $0.element) }
            + (andEvery.map { [("andEvery", $0)] } ?? [])
            + withParams.fields.map { ("withParams.\($0.key)", $0.key) }
        for (field, trigger) in named where !Self.isName(trigger) {
            throw .invalid("\(reader.fieldPath(field)): \(trigger) is not a valid trigger name", field: reader.fieldPath(field))
        }
        self.init(name: name, after: Set(after), run: run, unless: Set(unless), andEvery: andEvery, withParams: withParams)
    }

    /// The task as the API shows it.
    public var json: JSONValue {
        var object = JSONObject()
        object.append("after", .array(after.sorted().map(JSONValue.string)))
        object.append("run", .string(run))
        if !unless.isEmpty { object.append("unless", .array(unless.sorted().map(JSONValue.string))) }
        if let andEvery { object.append("andEvery", .string(andEvery)) }
        if !withParams.fields.isEmpty { object.append("withParams", .object(withParams)) }
        return .object(object)
    }

    /// Trigger and task names: what a URL path and an instance name (`task#n`) can carry.
    public static func isName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 128
            && name.unicodeScalars.allSatisfy { !$0.properties.isWhitespace && $0 != "#" && $0 != "/" && $0.value >= 0x20 }
    }
}
