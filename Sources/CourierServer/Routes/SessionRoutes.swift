import Courier
import Foundation
import Hummingbird

/// The trigger engine's sessions: task configs, firing, inspection, and a person's replay or
/// skip of a failed instance. Every call is one atomic change of one session.
struct SessionRoutes {
    let store: any Store
    let body: RequestBody

    func add(to group: RouterGroup<CourierRequestContext>) {
        group.get("sessions") { request, context in
            let tenantID = try context.requireTenant()
            let query = try request.queryParameters(allowed: ["failed", "prefix", "limit", "cursor"])
            let filter = try SessionFilter(parameters: query)
            let page = try await store.sessions(tenantID: tenantID, filter: filter, page: try PageRequest(query: query, idPrefixes: nil))
            return JSONResponse.list(page, \.json)
        }
        group.get("sessions/:uid") { request, context in
            try request.noQueryParameters()
            let (triggers, uid) = try self.session(context)
            guard let session = try await triggers.session(uid) else { throw CourierError.notFound("session") }
            return JSONResponse.make(session.json)
        }
        // `{"tasks": {name: config, ...}, "finalizeTrigger"?: name or null}`: merged, the same name replacing.
        group.put("sessions/:uid/tasks") { request, context in
            let (triggers, uid) = try self.session(context)
            var reader = try JSONFieldReader(try await body.json(request))
            guard let tasksObject = try reader.object("tasks") else {
                throw CourierError.invalid("tasks is required: an object of task configs by name", field: "tasks")
            }
            var tasks: [TaskConfig] = []
            for field in tasksObject.fields {
                tasks.append(try TaskConfig(name: field.key, json: field.value, path: "tasks.\(field.key)"))
            }
            var finalizeTrigger: String??
            if reader.has("finalizeTrigger") {
                finalizeTrigger = reader.value("finalizeTrigger") == .null ? .some(nil) : .some(try reader.string("finalizeTrigger"))
            }
            try reader.rejectUnknownFields()
            return JSONResponse.make(try await triggers.configure(uid, tasks: tasks, finalizeTrigger: finalizeTrigger).json)
        }
        group.post("sessions/:uid/triggers") { request, context in
            let (triggers, uid) = try self.session(context)
            var reader = try JSONFieldReader(try await body.json(request))
            let name = try reader.requiredString("name")
            let kwargs = try reader.object("kwargs") ?? JSONObject()
            try reader.rejectUnknownFields()
            return JSONResponse.make(try await triggers.fire(name, in: uid, kwargs: kwargs).json)
        }
        group.post("sessions/:uid/instances/:instance/replay") { request, context in
            let (triggers, uid) = try self.session(context)
            let instance = try Self.decoded(context.parameters.require("instance"))
            var reader = try JSONFieldReader(try await body.optionalJSON(request))
            let kwargs = try reader.object("kwargs")
            try reader.rejectUnknownFields()
            return JSONResponse.make(try await triggers.replay(instance, in: uid, kwargs: kwargs).json)
        }
        group.post("sessions/:uid/instances/:instance/skip") { request, context in
            let (triggers, uid) = try self.session(context)
            let instance = try Self.decoded(context.parameters.require("instance"))
            var reader = try JSONFieldReader(try await body.optionalJSON(request))
            let cascade = try reader.bool("cascade") ?? false
            let result = try reader.object("result")
            try reader.rejectUnknownFields()
            return JSONResponse.make(try await triggers.skip(instance, in: uid, cascade: cascade, result: result).json)
        }
    }

    /// The caller's tenant's trigger engine and the session's uid from the path.
    private func session(_ context: CourierRequestContext) throws -> (Triggers, String) {
        let tenantID = try context.requireTenant()
        return (Triggers(store: store, tenantID: tenantID), try Self.decoded(context.parameters.require("uid")))
    }

    /// A path segment with its percent-escapes undone: an instance's `#` arrives as `%23`.
    private static func decoded(_ segment: String) throws(CourierError) -> String {
        guard let decoded = segment.removingPercentEncoding else {
            throw .invalid("\(segment) is not a valid percent-encoded path segment", field: "path")
        }
        return decoded
    }
}

extension SessionFilter {
    /// From query parameters: `failed` (`true` or `false`) and `prefix`.
    init(parameters: [String: String]) throws(CourierError) {
        self.init()
        switch parameters["failed"] {
        case nil, "false": break
        case "true": failedOnly = true
        default: throw .invalid("failed must be true or false", field: "failed")
        }
        if let prefix = parameters["prefix"] {
            guard !prefix.isEmpty else { throw .invalid("prefix must not be empty", field: "prefix") }
            uidPrefix = prefix
        }
    }
}
