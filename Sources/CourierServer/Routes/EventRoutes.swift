import Courier
import Foundation
import Hummingbird

/// `POST /v1/events` (one event or an array) and `GET /v1/events/{id}`.
struct EventRoutes {
    let store: any Store
    let body: RequestBody

    func add(to group: RouterGroup<CourierRequestContext>) {
        group.post("events") { request, context in
            let tenantID = try context.requireTenant()
            let (events, isArray) = try NewEvent.parseBatch(try await body.json(request))
            // Stored, with every delivery, before the answer: 202 means it will not be lost.
            let published = try await Webhooks(store: store, tenantID: tenantID).publish(events)
            let rendered = published.map { event in
                JSONValue.object(JSONObject([
                    "id": .string(event.id), "duplicate": .bool(event.duplicate), "deliveries": .integer(event.deliveries),
                ]))
            }
            return JSONResponse.make(status: .accepted, isArray ? .array(rendered) : rendered[0])
        }
        group.get("events/:id") { request, context in
            try request.noQueryParameters()
            let tenantID = try context.requireTenant()
            let id = try context.parameters.require("id")
            guard let event = try await store.event(tenantID: tenantID, id: id) else {
                throw CourierError.notFound("event")
            }
            let deliveries = try await store.deliveries(
                tenantID: tenantID, filter: DeliveryFilter(eventID: id), page: PageRequest(limit: PageRequest.maximumLimit)
            )
            var object = event.jsonObject
            object["deliveries"] = .array(deliveries.items.map(\.json))
            return JSONResponse.make(.object(object))
        }
    }
}
