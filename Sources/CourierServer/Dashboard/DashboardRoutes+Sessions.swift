import Courier
import Foundation
import Hummingbird

extension DashboardRoutes {
    func addSessions(to router: Router<CourierRequestContext>) {
        // One session by its uid, or the list (whose lookup form sends an empty uid).
        router.get("sessions") { request, _ in
            if FormFields(request.uri.query ?? "").nonEmpty("uid") != nil {
                return try await viewing(request, reading: ["uid", "notice"]) { signedIn, query in try await sessionPage(query, signedIn) }
            }
            return try await viewing(request, reading: ["uid", "failed", "prefix", "cursor", "notice"]) { signedIn, query in
                try await sessionsPage(query, signedIn)
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
                return Self.redirect("/sessions" + Self.query([(name: "uid", value: uid)], notice: signedIn.sealed(notice: notice)))
            }
        }
    }

    private func sessionPage(_ query: [String: String], _ signedIn: SignedIn) async throws -> Response {
        var data: [String: Any] = [:]
        if let uid = query["uid"] {
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
        return Self.render("session", title: query["uid"].map { "Session \($0)" } ?? "Session", data: data, signedIn: signedIn, notice: query["notice"], section: "onSessions")
    }

    /// The list: what changed last first, what failed standing out, for the person who does
    /// not know which session to look up.
    private func sessionsPage(_ query: [String: String], _ signedIn: SignedIn) async throws -> Response {
        let filter = try SessionFilter(parameters: query)
        let page = try await store.sessions(
            tenantID: signedIn.session.tenantID, filter: filter, page: try PageRequest(query: query, idPrefixes: nil)
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
        let current = query.filter { ["failed", "prefix"].contains($0.key) }.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        var data: [String: Any] = [
            "rows": rows, "failedOnly": filter.failedOnly, "prefix": filter.uidPrefix ?? "", "filtered": !current.isEmpty,
        ]
        if let cursor = page.nextCursor { data["next"] = "/sessions" + Self.query(current + [(name: "cursor", value: cursor)]) }
        return Self.render("sessions", title: "Sessions", data: data, signedIn: signedIn, notice: query["notice"], section: "onSessions")
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
