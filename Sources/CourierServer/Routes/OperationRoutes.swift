import Courier
import Foundation
import Hummingbird

/// Bulk operations: a person's action over a filter, carried out in the background with its
/// progress on record (see ``BulkOperation``). `POST /v1/deliveries/bulk` does the same
/// within the request, which suits small filters; this suits any.
struct OperationRoutes {
    let store: any Store
    let body: RequestBody

    func add(to group: RouterGroup<CourierRequestContext>) {
        group.post("operations") { request, context in
            let tenantID = try context.requireTenant()
            let bulk = try BulkRequest(json: try await body.json(request))
            let operation = try await store.startOperation(bulk.action, tenantID: tenantID, filter: bulk.filter, now: Date())
            var response = JSONResponse.make(status: .accepted, operation.json)
            response.headers[.location] = "/v1/operations/\(operation.id)"
            return response
        }
        group.get("operations") { request, context in
            let tenantID = try context.requireTenant()
            let query = try request.queryParameters(allowed: ["limit", "cursor"])
            return JSONResponse.list(try await store.operations(tenantID: tenantID, page: try PageRequest(query: query, idPrefixes: ["op"])), \.json)
        }
        group.get("operations/:id") { request, context in
            try request.noQueryParameters()
            let tenantID = try context.requireTenant()
            guard let operation = try await store.operation(tenantID: tenantID, id: try context.parameters.require("id")) else {
                throw CourierError.notFound("operation")
            }
            return JSONResponse.make(operation.json)
        }
        group.post("operations/:id/cancel") { request, context in
            try await body.nothing(request)
            let tenantID = try context.requireTenant()
            let operation = try await store.cancelOperation(tenantID: tenantID, id: try context.parameters.require("id"), now: Date())
            return JSONResponse.make(operation.json)
        }
    }
}

extension BulkOperation {
    var json: JSONValue {
        var o = JSONObject()
        o.append("id", .string(id))
        o.append("action", .string(action.rawValue))
        o.append("filter", filter.json)
        o.append("status", .string(status.rawValue))
        o.append("total", .integer(total))
        o.append("matched", .integer(matched))
        o.append("changed", .integer(changed))
        o.append("progress", .double((progress * 1000).rounded() / 1000))
        o.append("createdAt", .date(createdAt))
        o.append("updatedAt", .date(updatedAt))
        o.append("finishedAt", .date(finishedAt))
        return .object(o)
    }
}
