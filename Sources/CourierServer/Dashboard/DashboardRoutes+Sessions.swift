import Courier
import Foundation
import Hummingbird

extension DashboardRoutes {
    func addSessions(to router: Router<CourierRequestContext>) {
        router.get("sessions") { request, _ in
            try await viewing(request) { signedIn in
                let fields = FormFields(request.uri.query ?? "")
                return fields.nonEmpty("uid") == nil ? try await sessionsPage(fields, signedIn) : try await sessionPage(request, signedIn)
            }
        }
        router.post("sessions/instances/:action") { request, context in
            let name = try context.parameters.require("action")
            return try await changing(request) { signedIn, form in
                let triggers = Triggers(store: store, tenantID: signedIn.session.tenantID)
                let uid = form["uid"] ?? ""
                let instance = form["instance"] ?? ""
                let notice: String
                do {
                    switch name {
                    case "replay":
                        _ = try await triggers.replay(instance, in: uid, kwargs: try Self.jsonObject(form.nonEmpty("kwargs"), field: "kwargs"))
                        notice = "Replayed \(instance)."
                    case "skip":
                        _ = try await triggers.skip(
                            instance, in: uid, cascade: form["cascade"] == "1", result: try Self.jsonObject(form.nonEmpty("result"), field: "result")
                        )
                        notice = "Skipped \(instance)."
                    default:
                        throw CourierError.notFound("action")
                    }
                } catch let error as CourierError where error.kind == .conflict {
                    notice = error.message
                }
                return Self.redirect("/sessions" + Self.query([(name: "uid", value: uid)], notice: notice))
            }
        }
    }

    private func sessionPage(_ request: Request, _ signedIn: SignedIn) async throws -> Response {
        let fields = FormFields(request.uri.query ?? "")
        var data: [String: Any] = [:]
        if let uid = fields.nonEmpty("uid") {
            data["uid"] = uid
            if let session = try await Triggers(store: store, tenantID: signedIn.session.tenantID).session(uid) {
                data["found"] = true
                data["finalizeTrigger"] = session.finalizeTrigger ?? ""
                data["finalized"] = session.finalized
                data["unresolved"] = session.unresolvedTasks
                data["graph"] = SessionGraph.svg(session)
                data["tasks"] = session.tasks.map { task -> [String: Any] in
                    [
                        "name": task.name, "run": task.run, "andEvery": task.andEvery ?? "",
                        "after": task.after.sorted().map { ["trigger": $0, "fired": session.fired[$0] != nil] },
                        "unless": task.unless.sorted().map { ["trigger": $0, "fired": session.fired[$0] != nil] },
                    ]
                }
                data["fired"] = session.fired.fields.map { ["name": $0.key, "kwargs": $0.value.prettyPrinted] }
                data["instances"] = session.instances.reversed().map { instance -> [String: Any] in
                    let times = TaskInstance.Status.allCases.compactMap { status in
                        instance.timestamps[status].map { "\(status.rawValue) \(Self.short($0))" }
                    }
                    return [
                        "name": instance.name, "status": instance.status.rawValue, "parent": instance.parent ?? "", "depth": instance.depth,
                        "error": instance.error ?? "", "times": times.joined(separator: " · "),
                        "sent": instance.actualKwargs.map { JSONValue.object($0).prettyPrinted } ?? "",
                        "result": instance.result.map { JSONValue.object($0).prettyPrinted } ?? "",
                        "failed": instance.status == .failed, "uid": uid, "csrf": signedIn.csrf,
                    ]
                }
            } else {
                data["missing"] = true
            }
        }
        return Self.render("session", title: fields.nonEmpty("uid").map { "Session \($0)" } ?? "Session", data: data, signedIn: signedIn, notice: fields["notice"], section: "onSessions")
    }

    /// The list: what changed last first, what failed standing out, for the person who does
    /// not know which session to look up.
    private func sessionsPage(_ fields: FormFields, _ signedIn: SignedIn) async throws -> Response {
        var parameters: [String: String] = [:]
        for name in ["failed", "prefix"] { if let value = fields.nonEmpty(name) { parameters[name] = value } }
        let filter = try SessionFilter(parameters: parameters)
        let page = try await store.sessions(
            tenantID: signedIn.session.tenantID, filter: filter, page: PageRequest(limit: 50, cursor: fields.nonEmpty("cursor"))
        )
        let rows = page.items.map { summary -> [String: Any] in
            [
                "uid": summary.uid, "link": "/sessions" + Self.query([(name: "uid", value: summary.uid)]),
                "updated": Self.short(summary.updatedAt), "failed": summary.failed, "tasks": summary.taskCount,
                "finalized": summary.finalized,
                "counts": TaskInstance.Status.allCases.compactMap { status in
                    summary.instanceCounts[status].map { ["status": status.rawValue, "count": $0] }
                },
            ]
        }
        let current = parameters.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        var data: [String: Any] = [
            "rows": rows, "failedOnly": filter.failedOnly, "prefix": filter.uidPrefix ?? "", "filtered": !current.isEmpty,
        ]
        if let cursor = page.nextCursor { data["next"] = "/sessions" + Self.query(current + [(name: "cursor", value: cursor)]) }
        return Self.render("sessions", title: "Sessions", data: data, signedIn: signedIn, notice: fields["notice"], section: "onSessions")
    }

    /// A JSON object typed into a form field; empty means none.
    private static func jsonObject(_ text: String?, field: String) throws(CourierError) -> JSONObject? {
        guard let text else { return nil }
        guard let object = (try? JSONParser.parseStored(text))?.objectValue else {
            let example = field == "kwargs" ? #"{"trigger": {"key": 1}}"# : #"{"status": "done"}"#
            throw .invalid("\(field) must be a JSON object, such as \(example)", field: field)
        }
        return object
    }
}
