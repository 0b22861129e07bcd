import Courier
import Foundation
import Hummingbird

/// The message router: outbound messages to recipients through backends, the backends'
/// delivery reports and inbound messages, and reading them back.
struct MessageRoutes {
    let store: any Store
    let body: RequestBody

    /// Reports in one request, written in one transaction.
    static let maximumReports = 10_000

    func add(to group: RouterGroup<CourierRequestContext>) {
        // Stored, with every transmission and the deliveries that carry them, before the answer.
        group.post("messages") { request, context in
            let tenantID = try context.requireTenant()
            let new = try NewMessage(json: try await body.json(request))
            let message = try await store.createMessage(new, tenantID: tenantID, now: Date())
            var object = message.jsonObject
            object.append("recipients", .integer(new.to.count))
            return JSONResponse.make(status: .accepted, .object(object))
        }
        group.get("messages") { request, context in
            let tenantID = try context.requireTenant()
            let query = try request.queryParameters(allowed: ["direction", "status", "backend", "since", "limit", "cursor"])
            let filter = try MessageFilter(parameters: query)
            let page = try await store.messages(tenantID: tenantID, filter: filter, page: try PageRequest(query: query, idPrefixes: ["msg"]))
            return JSONResponse.list(page, \.json)
        }
        group.get("messages/:id") { request, context in
            try request.noQueryParameters()
            let tenantID = try context.requireTenant()
            guard let (message, transmissions) = try await store.message(tenantID: tenantID, id: try context.parameters.require("id")) else {
                throw CourierError.notFound("message")
            }
            var object = message.jsonObject
            if message.direction == .outbound {
                var counts = JSONObject()
                for status in TransmissionStatus.allCases {
                    let count = transmissions.count { $0.status == status }
                    if count > 0 { counts.append(status.rawValue, .integer(count)) }
                }
                object.append("counts", .object(counts))
                object.append("transmissions", .array(transmissions.map(\.json)))
            }
            return JSONResponse.make(.object(object))
        }
        group.post("backends/:name/reports") { request, context in
            let tenantID = try context.requireTenant()
            let backend = try context.parameters.require("name")
            var reader = try JSONFieldReader(try await body.json(request))
            guard case .array(let items)? = reader.value("reports") else {
                throw CourierError.invalid("reports is required: an array of {transmissionId, status}", field: "reports")
            }
            try reader.rejectUnknownFields()
            guard items.count <= Self.maximumReports else {
                throw CourierError.invalid("reports may hold at most \(Self.maximumReports) reports", field: "reports")
            }
            var reports: [DeliveryReport] = []
            reports.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                var report = try JSONFieldReader(item, path: "reports[\(index)]", what: "reports[\(index)]")
                let id = try report.requiredString("transmissionId")
                let status = try report.requiredString("status")
                try report.rejectUnknownFields()
                guard status == "delivered" || status == "failed" else {
                    throw CourierError.invalid(
                        "reports[\(index)].status must be delivered or failed", field: "reports[\(index)].status"
                    )
                }
                reports.append(DeliveryReport(transmissionID: id, delivered: status == "delivered"))
            }
            let result = try await store.applyReports(reports, backend: backend, tenantID: tenantID, now: Date())
            return JSONResponse.make(.object(JSONObject([
                "updated": .integer(result.updated), "unknown": .array(result.unknown.map(JSONValue.string)),
            ])))
        }
        group.post("backends/:name/inbound") { request, context in
            let tenantID = try context.requireTenant()
            let backend = try context.parameters.require("name")
            var reader = try JSONFieldReader(try await body.json(request))
            let identity = try reader.requiredString("identity")
            let text = try reader.requiredString("text")
            let externalID = try reader.string("externalId")
            try reader.rejectUnknownFields()
            guard !identity.isEmpty, identity.utf8.count <= 256 else {
                throw CourierError.invalid("identity must be 1 to 256 bytes", field: "identity")
            }
            guard !text.isEmpty, text.utf8.count <= NewMessage.maximumTextBytes else {
                throw CourierError.invalid("text must be 1 to \(NewMessage.maximumTextBytes) bytes", field: "text")
            }
            let message = try await store.receiveMessage(
                backend: backend, identity: identity, text: text, externalID: externalID, tenantID: tenantID, now: Date()
            )
            return JSONResponse.make(status: .accepted, message.json)
        }
    }
}

extension MessageFilter {
    /// From query parameters: `direction` (`in` or `out`), `status`, `backend`, `since`.
    init(parameters: [String: String]) throws(CourierError) {
        self.init()
        if let value = parameters["direction"] {
            guard let direction = Message.Direction(rawValue: value) else {
                throw .invalid("direction must be in or out", field: "direction")
            }
            self.direction = direction
        }
        if let value = parameters["status"] {
            guard let status = MessageStatus(rawValue: value) else {
                throw .invalid("status must be one of \(MessageStatus.allCases.map(\.rawValue).joined(separator: ", "))", field: "status")
            }
            self.status = status
        }
        backend = parameters["backend"]
        if let value = parameters["since"] {
            guard let since = Timestamp.parse(value) else { throw .invalid("since must be an RFC 3339 time", field: "since") }
            self.since = since
        }
    }
}
