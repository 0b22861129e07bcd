import Courier
import Foundation
import Hummingbird

/// Endpoints: create, list, read, update, delete, pause, resume and rotate the secret.
struct EndpointRoutes {
    let store: any Store
    let body: RequestBody
    let targetGuard: TargetGuard

    func add(to group: RouterGroup<CourierRequestContext>) {
        group.post("endpoints") { request, context in
            let changes = try EndpointChanges(json: try await body.json(request))
            let endpoint = try await webhooks(context).createEndpoint(changes)
            return JSONResponse.make(status: .created, endpoint.json(includeSecret: true))
        }
        group.get("endpoints") { request, context in
            let tenantID = try context.requireTenant()
            let query = try request.queryParameters(allowed: ["limit", "cursor"])
            let page = try await store.endpoints(tenantID: tenantID, page: try PageRequest(query: query, idPrefixes: ["ep"]))
            return JSONResponse.list(page) { $0.json(includeSecret: false) }
        }
        group.get("endpoints/:id") { request, context in
            try request.noQueryParameters()
            let endpoint = try await find(context)
            return JSONResponse.make(endpoint.json(includeSecret: true))
        }
        group.patch("endpoints/:id") { request, context in
            let changes = try EndpointChanges(json: try await body.json(request))
            let endpoint = try await webhooks(context).updateEndpoint(try context.parameters.require("id"), with: changes)
            return JSONResponse.make(endpoint.json(includeSecret: true))
        }
        group.delete("endpoints/:id") { request, context in
            try await body.nothing(request)
            let tenantID = try context.requireTenant()
            try await store.deleteEndpoint(tenantID: tenantID, id: try context.parameters.require("id"), now: Date())
            return Response(status: .noContent)
        }
        group.post("endpoints/:id/pause") { request, context in
            var reader = try JSONFieldReader(try await body.optionalJSON(request))
            let reason = try reader.string("reason", maximumBytes: 1024)
            try reader.rejectUnknownFields()
            return try await setStatus(.paused, reason: reason, context: context)
        }
        group.post("endpoints/:id/resume") { request, context in
            try await body.nothing(request)
            return try await setStatus(.active, reason: nil, context: context)
        }
        // A `courier.test` event to this endpoint alone, delivered (and on record) like any other.
        group.post("endpoints/:id/test") { request, context in
            try await body.nothing(request)
            let tenantID = try context.requireTenant()
            let delivery = try await store.sendTestEvent(tenantID: tenantID, endpointID: try context.parameters.require("id"), now: Date())
            return JSONResponse.make(status: .accepted, delivery.json)
        }
        // A new secret; the old one goes on signing beside it for the grace period, so that
        // receivers can switch at their own pace without refusing a single request.
        group.post("endpoints/:id/rotate-secret") { request, context in
            var reader = try JSONFieldReader(try await body.optionalJSON(request))
            let secret = try reader.string("secret")
            let grace = try reader.integer("graceSeconds")
            try reader.rejectUnknownFields()
            let endpoint = try await webhooks(context).rotateSecret(
                of: try context.parameters.require("id"), to: secret, grace: grace.map(TimeInterval.init) ?? Endpoint.defaultRotationGrace
            )
            return JSONResponse.make(endpoint.json(includeSecret: true))
        }
    }

    private func webhooks(_ context: CourierRequestContext) throws -> Webhooks {
        Webhooks(store: store, tenantID: try context.requireTenant(), targetGuard: targetGuard)
    }

    private func find(_ context: CourierRequestContext) async throws -> Endpoint {
        let tenantID = try context.requireTenant()
        guard let endpoint = try await store.endpoint(tenantID: tenantID, id: try context.parameters.require("id")) else {
            throw CourierError.notFound("endpoint")
        }
        return endpoint
    }

    private func setStatus(_ status: Endpoint.Status, reason: String?, context: CourierRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let endpoint = try await store.setEndpointStatus(
            tenantID: tenantID, id: try context.parameters.require("id"), status: status, reason: reason, now: Date()
        )
        return JSONResponse.make(endpoint.json(includeSecret: true))
    }
}

extension PageRequest {
    /// `idPrefixes`: the list pages by id, and its cursor must be one of these ids; nil when the
    /// list's cursor has a form of its own, which the store checks.
    init(query: [String: String], idPrefixes: Set<String>?) throws(CourierError) {
        var limit = 50
        if let text = query["limit"] {
            guard let value = Int(text), (1...PageRequest.maximumLimit).contains(value) else {
                throw .invalid("limit must be a whole number from 1 to \(PageRequest.maximumLimit)", field: "limit")
            }
            limit = value
        }
        if let cursor = query["cursor"], let idPrefixes, !Identifier.isWellFormed(cursor, prefixes: idPrefixes) {
            throw .invalid("cursor is not one this list gave out", field: "cursor")
        }
        self.init(limit: limit, cursor: query["cursor"])
    }
}
