import Courier
import Foundation
import Hummingbird

/// The delivery records: list with filters, one with its attempts, and a person's actions.
struct DeliveryRoutes {
    let store: any Store
    let body: RequestBody

    func add(to group: RouterGroup<CourierRequestContext>) {
        group.get("deliveries") { request, context in
            let tenantID = try context.requireTenant()
            let query = try request.queryParameters(
                allowed: ["endpoint", "state", "event", "batch", "since", "until", "type", "key", "limit", "cursor"]
            )
            let filter = try DeliveryFilter(parameters: query)
            let page = try await store.deliveries(tenantID: tenantID, filter: filter, page: try PageRequest(query: query, idPrefixes: ["dlv", "bat"]))
            return JSONResponse.list(page, \.json)
        }
        group.get("deliveries/:id") { request, context in
            try request.noQueryParameters()
            let tenantID = try context.requireTenant()
            let id = try context.parameters.require("id")
            guard let (delivery, attempts) = try await store.deliveryWithAttempts(tenantID: tenantID, id: id) else {
                throw CourierError.notFound("delivery")
            }
            var object = delivery.jsonObject
            object["attempts"] = .array(attempts.map(\.json))
            return JSONResponse.make(.object(object))
        }
        for action in DeliveryStateMachine.Action.allCases {
            group.post("deliveries/:id/\(action.rawValue)") { request, context in
                try await body.nothing(request)
                let tenantID = try context.requireTenant()
                let delivery = try await store.apply(
                    action, tenantID: tenantID, deliveryID: try context.parameters.require("id"), now: Date()
                )
                return JSONResponse.make(delivery.json)
            }
        }
        group.post("deliveries/bulk") { request, context in
            let tenantID = try context.requireTenant()
            let bulk = try BulkRequest(json: try await body.json(request))
            let result = try await store.apply(bulk.action, tenantID: tenantID, filter: bulk.filter, now: Date())
            return JSONResponse.make(.object(JSONObject([
                "action": .string(bulk.action.rawValue), "matched": .integer(result.matched), "changed": .integer(result.changed),
            ])))
        }
    }
}

extension DeliveryFilter {
    /// From query parameters: `endpoint`, `state`, `event`, `batch`, `since`, `until`, `type`, `key`.
    init(parameters: [String: String]) throws(CourierError) {
        var object = JSONObject()
        for key in ["endpoint", "state", "event", "batch", "since", "until", "type", "key"] {
            if let value = parameters[key] { object[key] = .string(value) }
        }
        try self.init(json: .object(object), path: "")
    }
}
