import Foundation

extension Session {
    /// The whole session as JSON: how the stores keep it and how the API shows it.
    public var json: JSONValue {
        var object = JSONObject()
        object.append("uid", .string(uid))
        object.append("finalizeTrigger", finalizeTrigger.map(JSONValue.string) ?? .null)
        object.append("finalized", .bool(finalized))
        object.append("tasks", .object(JSONObject(tasks.map { JSONObject.Field(key: $0.name, value: $0.json) })))
        object.append("fired", .object(fired))
        object.append("instances", .array(instances.map(\.json)))
        object.append("unresolvedTasks", .array(unresolvedTasks.map(JSONValue.string)))
        return .object(object)
    }

    /// Reads a session back from ``json``.
    public init(json: JSONValue) throws(CourierError) {
        guard let object = json.objectValue, let uid = object["uid"]?.stringValue else {
            throw .invalid("a stored session must be an object with a uid", field: "session")
        }
        var tasks: [TaskConfig] = []
        for field in object["tasks"]?.objectValue?.fields ?? [] {
            tasks.append(try TaskConfig(name: field.key, json: field.value, path: "tasks.\(field.key)"))
        }
        var instances: [TaskInstance] = []
        for item in object["instances"]?.arrayValue ?? [] {
            instances.append(try TaskInstance(json: item))
        }
        self.init(
            uid: uid, tasks: tasks, fired: object["fired"]?.objectValue ?? JSONObject(), instances: instances,
            finalizeTrigger: object["finalizeTrigger"]?.stringValue, finalized: object["finalized"]?.boolValue ?? false
        )
    }
}

extension TaskInstance {
    public var json: JSONValue {
        var object = JSONObject()
        object.append("name", .string(name))
        object.append("task", .string(task))
        object.append("status", .string(status.rawValue))
        object.append("kwargs", .object(kwargs))
        object.append("actualKwargs", actualKwargs.map(JSONValue.object) ?? .null)
        object.append("result", result.map(JSONValue.object) ?? .null)
        object.append("error", error.map(JSONValue.string) ?? .null)
        object.append("depth", .integer(depth))
        object.append("parent", parent.map(JSONValue.string) ?? .null)
        let times = Status.allCases.compactMap { status in
            timestamps[status].map { JSONObject.Field(key: status.rawValue, value: .string(Timestamp.format($0))) }
        }
        object.append("timestamps", .object(JSONObject(times)))
        return .object(object)
    }

    init(json: JSONValue) throws(CourierError) {
        guard let object = json.objectValue, let name = object["name"]?.stringValue, let task = object["task"]?.stringValue,
              let status = object["status"]?.stringValue.flatMap(Status.init(rawValue:)) else {
            throw .invalid("a stored task instance needs a name, a task and a status", field: "instances")
        }
        self.init(
            name: name, task: task, kwargs: object["kwargs"]?.objectValue ?? JSONObject(),
            depth: object["depth"]?.doubleValue.map { Int($0) } ?? 0, parent: object["parent"]?.stringValue, now: Date()
        )
        self.status = status
        actualKwargs = object["actualKwargs"]?.objectValue
        result = object["result"]?.objectValue
        error = object["error"]?.stringValue
        timestamps = [:]
        for field in object["timestamps"]?.objectValue?.fields ?? [] {
            if let status = Status(rawValue: field.key), let date = field.value.stringValue.flatMap(Timestamp.parse) {
                timestamps[status] = date
            }
        }
    }
}
