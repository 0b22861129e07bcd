import Courier
import Foundation
import Hummingbird

extension DashboardRoutes {
    func addEndpoints(to router: Router<CourierRequestContext>) {
        router.get("endpoints") { request, _ in
            try await viewing(request) { signedIn in try await endpointsPage(signedIn, notice: Self.notice(request)) }
        }
        router.get("endpoints/new") { request, _ in
            try await viewing(request) { signedIn in
                Self.render("endpoint-form", title: "New endpoint", data: Self.endpointForm(nil, signedIn: signedIn), signedIn: signedIn, section: "onEndpoints")
            }
        }
        router.post("endpoints/new") { request, _ in
            try await changing(request) { signedIn, form in
                let now = Date()
                do {
                    let changes = try targetGuard.check(try EndpointChanges(json: Self.endpointJSON(form)))
                    let endpoint = try Endpoint(creating: changes, id: Identifier.make("ep", now: now), tenantID: signedIn.session.tenantID, now: now)
                    try await store.insertEndpoint(endpoint)
                    return Self.render(
                        "secret", title: "Endpoint created", data: ["heading": "Created \(endpoint.name ?? endpoint.id)", "secret": endpoint.secret],
                        signedIn: signedIn, section: "onEndpoints"
                    )
                } catch let error as CourierError where error.kind == .invalid || error.kind == .conflict {
                    var data = Self.endpointForm(nil, signedIn: signedIn, form: form)
                    data["problem"] = error.message
                    return Self.render("endpoint-form", title: "New endpoint", data: data, signedIn: signedIn, section: "onEndpoints", status: .badRequest)
                }
            }
        }
        router.get("endpoints/:id/edit") { request, context in
            let id = try context.parameters.require("id")
            return try await viewing(request) { signedIn in
                guard let endpoint = try await store.endpoint(tenantID: signedIn.session.tenantID, id: id) else {
                    throw CourierError.notFound("endpoint")
                }
                return Self.render(
                    "endpoint-form", title: "Edit endpoint", data: Self.endpointForm(endpoint, signedIn: signedIn), signedIn: signedIn,
                    section: "onEndpoints"
                )
            }
        }
        router.post("endpoints/:id/:action") { request, context in
            let id = try context.parameters.require("id")
            let name = try context.parameters.require("action")
            return try await changing(request) { signedIn, form in
                let tenantID = signedIn.session.tenantID
                let notice: String
                switch name {
                case "pause":
                    _ = try await store.setEndpointStatus(tenantID: tenantID, id: id, status: .paused, reason: "paused from the dashboard", now: Date())
                    notice = "Paused: its deliveries wait until it is resumed."
                case "resume":
                    _ = try await store.setEndpointStatus(tenantID: tenantID, id: id, status: .active, reason: nil, now: Date())
                    notice = "Resumed: what waited goes now."
                case "test":
                    let delivery = try await store.sendTestEvent(tenantID: tenantID, endpointID: id, now: Date())
                    notice = "A test event is on its way: delivery \(delivery.id)."
                case "save":
                    guard let endpoint = try await store.endpoint(tenantID: tenantID, id: id) else { throw CourierError.notFound("endpoint") }
                    do {
                        let changes = try targetGuard.check(try EndpointChanges(json: Self.endpointJSON(form)))
                        try await store.updateEndpoint(try endpoint.applying(changes, now: Date()))
                    } catch let error as CourierError where error.kind == .invalid || error.kind == .conflict {
                        var data = Self.endpointForm(endpoint, signedIn: signedIn, form: form)
                        data["problem"] = error.message
                        return Self.render("endpoint-form", title: "Edit endpoint", data: data, signedIn: signedIn, section: "onEndpoints", status: .badRequest)
                    }
                    notice = "Saved \(endpoint.name ?? endpoint.id)."
                case "rotate":
                    guard let endpoint = try await store.endpoint(tenantID: tenantID, id: id) else { throw CourierError.notFound("endpoint") }
                    let rotated = endpoint.rotatingSecret(to: WebhookSecret.generate().description, grace: Endpoint.defaultRotationGrace, now: Date())
                    try await store.updateEndpoint(rotated)
                    return Self.render(
                        "secret", title: "Secret rotated", data: ["heading": "New secret for \(endpoint.name ?? endpoint.id)", "secret": rotated.secret],
                        signedIn: signedIn, section: "onEndpoints"
                    )
                default:
                    throw CourierError.notFound("action")
                }
                return Self.redirect("/endpoints" + Self.query([], notice: notice))
            }
        }
    }

    private func endpointsPage(_ signedIn: SignedIn, notice: String?) async throws -> Response {
        let tenantID = signedIn.session.tenantID
        let now = Date()
        let endpoints = try await store.endpoints(tenantID: tenantID, page: PageRequest(limit: PageRequest.maximumLimit)).items
        let backlog = Dictionary(
            try await store.backlog(now: now).byEndpoint.filter { $0.tenantID == tenantID }.map { ($0.key, $0.count) },
            uniquingKeysWith: +
        )
        let rows = endpoints.map { endpoint -> [String: Any] in
            let health: String
            switch endpoint.health.state(at: now) {
            case .healthy: health = endpoint.health.failureStreak > 0 ? "\(endpoint.health.failureStreak) failures in a row" : "healthy"
            case .coolingDown(let until): health = "cooling down until \(Self.short(until))"
            case .probing: health = "probing"
            }
            return [
                "id": endpoint.id, "label": endpoint.name ?? endpoint.url, "url": endpoint.url, "status": endpoint.status.rawValue,
                "reason": endpoint.statusReason ?? "", "health": health, "lastSuccess": endpoint.health.lastSuccessAt.map(Self.short) ?? "",
                "backlog": backlog[endpoint.id] ?? 0, "canPause": endpoint.status == .active, "csrf": signedIn.csrf,
            ]
        }
        return Self.render("endpoints", title: "Endpoints", data: ["rows": rows], signedIn: signedIn, notice: notice, section: "onEndpoints")
    }

    /// The endpoint form's fields: from the endpoint, or as typed when it must be corrected.
    private static func endpointForm(_ endpoint: Endpoint?, signedIn: SignedIn, form: FormFields? = nil) -> [String: Any] {
        var data: [String: Any] = [
            "heading": endpoint.map { "Edit \($0.name ?? $0.id)" } ?? "New endpoint", "csrf": signedIn.csrf,
            // Not `/edit`: a constant segment shared with the GET route would hide the POST one.
            "action": endpoint.map { "/endpoints/\(escape($0.id))/save" } ?? "/endpoints/new",
            "name": endpoint?.name ?? "", "url": endpoint?.url ?? "", "description": endpoint?.description ?? "",
            "eventTypes": endpoint.map { $0.eventTypes.isEmpty ? "none" : $0.eventTypes.map(\.description).joined(separator: " ") } ?? "*",
            "maxInFlight": String(endpoint?.maxInFlight ?? Endpoint.defaultMaxInFlight),
        ]
        if let endpoint { data["id"] = endpoint.id }
        if let form {
            for name in ["name", "url", "description", "eventTypes", "maxInFlight"] { data[name] = form[name] ?? "" }
        }
        return data
    }

    /// The form as the API's endpoint JSON, so that it is read and checked exactly as the API does.
    private static func endpointJSON(_ form: FormFields) throws(CourierError) -> JSONValue {
        var object = JSONObject()
        object["name"] = form.nonEmpty("name").map(JSONValue.string) ?? .null
        if let url = form.nonEmpty("url") { object["url"] = .string(url) }
        object["description"] = form.nonEmpty("description").map(JSONValue.string) ?? .null
        let types = (form["eventTypes"] ?? "").split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        object["eventTypes"] = .array(types == ["none"] ? [] : types.map(JSONValue.string))
        if let text = form.nonEmpty("maxInFlight") {
            guard let number = Int(text) else { throw .invalid("requests at once must be a whole number", field: "maxInFlight") }
            object["maxInFlight"] = .integer(number)
        }
        return .object(object)
    }
}
