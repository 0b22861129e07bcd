import Courier
import Foundation
import Hummingbird

extension DashboardRoutes {
    func addOperations(to router: Router<CourierRequestContext>) {
        router.get("operations") { request, _ in
            try await viewing(request, reading: ["cursor", "notice"]) { signedIn, query in
                let page = try await store.operations(
                    tenantID: signedIn.session.tenantID, page: try PageRequest(query: query, idPrefixes: ["op"])
                )
                var data: [String: Any] = [
                    "rows": page.items.map { operation -> [String: Any] in
                        [
                            "id": operation.id, "action": operation.action.rawValue.capitalized, "filter": Self.describe(operation.filter),
                            "status": operation.status.rawValue, "matched": operation.matched, "total": operation.total,
                            "changed": operation.changed, "created": Self.short(operation.createdAt),
                        ]
                    },
                ]
                if let cursor = page.nextCursor { data["next"] = "/operations" + Self.query([(name: "cursor", value: cursor)]) }
                let running = page.items.contains { $0.status == .running }
                return Self.render(
                    "operations", title: "Bulk actions", data: data, signedIn: signedIn, notice: query["notice"], section: "onOperations",
                    refresh: running ? 2 : nil
                )
            }
        }
        router.get("operations/:id") { request, context in
            let id = try context.parameters.require("id")
            return try await viewing(request, reading: ["notice"]) { signedIn, query in
                guard let operation = try await store.operation(tenantID: signedIn.session.tenantID, id: id) else {
                    throw CourierError.notFound("operation")
                }
                return operationPage(operation, signedIn, notice: query["notice"])
            }
        }
        router.post("operations/:id/cancel") { request, context in
            let id = try context.parameters.require("id")
            return try await changing(request) { signedIn, _ in
                let notice: String
                do {
                    let operation = try await store.cancelOperation(tenantID: signedIn.session.tenantID, id: id, now: Date())
                    notice = "Stopped after \(operation.matched) of \(operation.total); \(operation.changed) changed."
                } catch let error as CourierError where error.kind == .conflict {
                    notice = error.message
                }
                return Self.redirect("/operations/\(Self.escape(id))" + Self.query([], notice: signedIn.sealed(notice: notice)))
            }
        }
    }

    private func operationPage(_ operation: BulkOperation, _ signedIn: SignedIn, notice: String?) -> Response {
        let running = operation.status == .running
        let data: [String: Any] = [
            "id": operation.id, "label": "\(operation.action.rawValue.capitalized) in bulk", "filter": Self.describe(operation.filter),
            "status": operation.status.rawValue, "total": operation.total, "matched": operation.matched,
            "changed": operation.changed, "max": max(operation.total, operation.matched, 1),
            "percent": Int((operation.progress * 100).rounded(.down)), "created": Self.short(operation.createdAt),
            "finished": operation.finishedAt.map(Self.short) ?? "", "running": running, "csrf": signedIn.csrf,
            "deliveries": "/deliveries" + Self.query(Self.fields(of: operation.filter)),
        ]
        return Self.render(
            "operation", title: "Bulk action", data: data, signedIn: signedIn, notice: notice, section: "onOperations",
            refresh: running ? 1 : nil
        )
    }

    /// `state exhausted · endpoint ep_…`, or every delivery.
    static func describe(_ filter: DeliveryFilter) -> String {
        let parts = fields(of: filter).map { "\($0.name) \($0.value)" }
        return parts.isEmpty ? "every delivery" : parts.joined(separator: " · ")
    }
}
