import Courier
import Foundation
import Hummingbird

extension DashboardRoutes {
    func addMessages(to router: Router<CourierRequestContext>) {
        router.get("messages") { request, _ in
            try await viewing(request, reading: Self.messageFilterNames.union(["cursor"])) { signedIn, query in
                try await messagesPage(query, signedIn)
            }
        }
        router.get("messages/:id") { request, context in
            let id = try context.parameters.require("id")
            return try await viewing(request, reading: ["cursor"]) { signedIn, query in try await messagePage(id: id, query, signedIn) }
        }
    }

    /// The query parameters of the messages list that make its filter, as the API names them.
    private static let messageFilterNames: Set<String> = ["direction", "status", "backend", "since"]

    private func messagesPage(_ query: [String: String], _ signedIn: SignedIn) async throws -> Response {
        let tenantID = signedIn.session.tenantID
        let filter = try MessageFilter(parameters: query)
        let page = try await store.messages(tenantID: tenantID, filter: filter, page: try PageRequest(query: query, idPrefixes: ["msg"]))
        let counts = try await store.transmissionCounts(tenantID: tenantID, messageIDs: page.items.map(\.id))
        let rows = page.items.map { message -> [String: Any] in
            [
                "id": message.id, "status": message.status.rawValue, "direction": message.direction == .inbound ? "in" : "out",
                "text": message.text.count > 80 ? String(message.text.prefix(80)) + "…" : message.text,
                "counts": counts[message.id].map(Self.describe) ?? (message.identity.map { "from \($0)" } ?? ""),
                "created": Self.short(message.createdAt),
            ]
        }
        var data: [String: Any] = [
            "rows": rows, "backend": query["backend"] ?? "", "since": query["since"] ?? "",
            "directions": [["value": "out", "label": "outbound", "selected": filter.direction == .outbound],
                           ["value": "in", "label": "inbound", "selected": filter.direction == .inbound]],
            "statuses": MessageStatus.allCases.map { ["status": $0.rawValue, "selected": $0 == filter.status] },
        ]
        if let cursor = page.nextCursor {
            let current = query.filter { Self.messageFilterNames.contains($0.key) }.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
            data["next"] = "/messages" + Self.query(current + [(name: "cursor", value: cursor)])
        }
        return Self.render("messages", title: "Messages", data: data, signedIn: signedIn, notice: nil, section: "onMessages")
    }

    /// A page of the recipients at a time: a message to ten thousand would otherwise be one
    /// page of megabytes.
    private func messagePage(id: String, _ query: [String: String], _ signedIn: SignedIn) async throws -> Response {
        let tenantID = signedIn.session.tenantID
        let page = try PageRequest(query: query, idPrefixes: ["trm"])
        guard let (message, transmissions) = try await store.message(tenantID: tenantID, id: id, transmissions: page) else {
            throw CourierError.notFound("message")
        }
        let counts = try await store.transmissionCounts(tenantID: tenantID, messageIDs: [id])[id] ?? [:]
        let recipients = counts.values.reduce(0, +)
        var data: [String: Any] = [
            "id": message.id, "status": message.status.rawValue, "direction": message.direction == .inbound ? "inbound" : "outbound",
            "from": message.identity.map { "\($0) through \(message.backend ?? "?")" } ?? "", "inResponseTo": message.inResponseTo ?? "",
            "created": Self.short(message.createdAt), "sent": message.sentAt.map(Self.short) ?? "",
            "delivered": message.deliveredAt.map(Self.short) ?? "", "counts": counts.isEmpty ? "" : Self.describe(counts),
            "text": message.text, "hasTransmissions": recipients > 0,
            "shown": recipients > page.limit ? "\(recipients) recipients, \(page.limit) a page, in the order they were given." : "",
            "transmissions": transmissions.items.map { transmission -> [String: Any] in
                [
                    "status": transmission.status.rawValue, "backend": transmission.backend, "identity": transmission.identity,
                    "error": transmission.error ?? "", "sent": transmission.sentAt.map(Self.short) ?? "",
                    "delivered": transmission.deliveredAt.map(Self.short) ?? "", "delivery": transmission.deliveryID ?? "",
                ]
            },
        ]
        if let cursor = transmissions.nextCursor { data["next"] = "/messages/\(Self.escape(id))" + Self.query([(name: "cursor", value: cursor)]) }
        if query["cursor"] != nil { data["first"] = "/messages/\(Self.escape(id))" }
        return Self.render("message", title: "Message \(id)", data: data, signedIn: signedIn, notice: nil, section: "onMessages")
    }

    /// `3 delivered · 1 errored`, in the statuses' order.
    private static func describe(_ counts: [TransmissionStatus: Int]) -> String {
        TransmissionStatus.allCases.compactMap { status in counts[status].map { "\($0) \(status.rawValue)" } }.joined(separator: " · ")
    }
}
