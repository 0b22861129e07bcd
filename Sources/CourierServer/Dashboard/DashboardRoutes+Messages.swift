import Courier
import Foundation
import Hummingbird

extension DashboardRoutes {
    func addMessages(to router: Router<CourierRequestContext>) {
        router.get("messages") { request, _ in
            try await viewing(request) { signedIn in try await messagesPage(request, signedIn) }
        }
        router.get("messages/:id") { request, context in
            let id = try context.parameters.require("id")
            return try await viewing(request) { signedIn in try await messagePage(id: id, signedIn) }
        }
    }

    private func messagesPage(_ request: Request, _ signedIn: SignedIn) async throws -> Response {
        let fields = FormFields(request.uri.query ?? "")
        let tenantID = signedIn.session.tenantID
        var parameters: [String: String] = [:]
        for name in ["direction", "status", "backend"] { if let value = fields.nonEmpty(name) { parameters[name] = value } }
        let filter = try MessageFilter(parameters: parameters)
        let page = try await store.messages(tenantID: tenantID, filter: filter, page: PageRequest(limit: 50, cursor: fields.nonEmpty("cursor")))
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
            "rows": rows, "backend": fields["backend"] ?? "",
            "directions": [["value": "out", "label": "outbound", "selected": filter.direction == .outbound],
                           ["value": "in", "label": "inbound", "selected": filter.direction == .inbound]],
            "statuses": MessageStatus.allCases.map { ["status": $0.rawValue, "selected": $0 == filter.status] },
        ]
        if let cursor = page.nextCursor {
            data["next"] = "/messages" + Self.query(parameters.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) } + [(name: "cursor", value: cursor)])
        }
        return Self.render("messages", title: "Messages", data: data, signedIn: signedIn, notice: nil, section: "onMessages")
    }

    private func messagePage(id: String, _ signedIn: SignedIn) async throws -> Response {
        guard let (message, transmissions) = try await store.message(tenantID: signedIn.session.tenantID, id: id) else {
            throw CourierError.notFound("message")
        }
        var counts: [TransmissionStatus: Int] = [:]
        for transmission in transmissions { counts[transmission.status, default: 0] += 1 }
        let data: [String: Any] = [
            "id": message.id, "status": message.status.rawValue, "direction": message.direction == .inbound ? "inbound" : "outbound",
            "from": message.identity.map { "\($0) through \(message.backend ?? "?")" } ?? "", "inResponseTo": message.inResponseTo ?? "",
            "created": Self.short(message.createdAt), "sent": message.sentAt.map(Self.short) ?? "",
            "delivered": message.deliveredAt.map(Self.short) ?? "", "counts": counts.isEmpty ? "" : Self.describe(counts),
            "text": message.text, "hasTransmissions": !transmissions.isEmpty,
            "transmissions": transmissions.map { transmission -> [String: Any] in
                [
                    "status": transmission.status.rawValue, "backend": transmission.backend, "identity": transmission.identity,
                    "error": transmission.error ?? "", "sent": transmission.sentAt.map(Self.short) ?? "",
                    "delivered": transmission.deliveredAt.map(Self.short) ?? "", "delivery": transmission.deliveryID ?? "",
                ]
            },
        ]
        return Self.render("message", title: "Message \(id)", data: data, signedIn: signedIn, notice: nil, section: "onMessages")
    }

    /// `3 delivered · 1 errored`, in the statuses' order.
    private static func describe(_ counts: [TransmissionStatus: Int]) -> String {
        TransmissionStatus.allCases.compactMap { status in counts[status].map { "\($0) \(status.rawValue)" } }.joined(separator: " · ")
    }
}
