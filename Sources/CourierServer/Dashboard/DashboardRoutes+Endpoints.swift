import Courier
import Foundation
import Hummingbird

extension DashboardRoutes {
    func addEndpoints(to router: Router<CourierRequestContext>) {
        router.get("endpoints") { request, _ in
            try await viewing(request, reading: ["cursor", "notice"]) { signedIn, query in try await endpointsPage(query, signedIn) }
        }
        router.get("endpoints/new") { request, _ in
            try await viewing(request) { signedIn in
                Self.render(
                    "endpoint-form", title: "New endpoint", data: Self.endpointForm(nil, EndpointForm(showing: nil), signedIn: signedIn),
                    signedIn: signedIn, section: "onEndpoints"
                )
            }
        }
        router.post("endpoints/new") { request, _ in
            try await changing(request) { signedIn, form in
                let posted = EndpointForm(posted: form)
                do {
                    let endpoint = try await webhooks(signedIn).createEndpoint(try EndpointChanges(json: posted.json(editing: nil)))
                    return Self.render(
                        "secret", title: "Endpoint created", data: ["heading": "Created \(endpoint.name ?? endpoint.id)", "secret": endpoint.secret],
                        signedIn: signedIn, section: "onEndpoints"
                    )
                } catch let error as CourierError where error.kind == .invalid || error.kind == .conflict {
                    let data = Self.endpointForm(nil, posted, signedIn: signedIn, problem: error)
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
                    "endpoint-form", title: "Edit \(endpoint.name ?? endpoint.id)", data: Self.endpointForm(endpoint, EndpointForm(showing: endpoint), signedIn: signedIn),
                    signedIn: signedIn, section: "onEndpoints"
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
                    let posted = EndpointForm(posted: form)
                    do {
                        try await webhooks(signedIn).updateEndpoint(id, with: try EndpointChanges(json: posted.json(editing: endpoint)))
                    } catch let error as CourierError where error.kind == .invalid || error.kind == .conflict {
                        let data = Self.endpointForm(endpoint, posted, signedIn: signedIn, problem: error)
                        return Self.render("endpoint-form", title: "Edit \(endpoint.name ?? endpoint.id)", data: data, signedIn: signedIn, section: "onEndpoints", status: .badRequest)
                    }
                    notice = "Saved \(endpoint.name ?? endpoint.id)."
                case "rotate":
                    let rotated = try await webhooks(signedIn).rotateSecret(of: id)
                    return Self.render(
                        "secret", title: "Secret rotated", data: ["heading": "New secret for \(rotated.name ?? rotated.id)", "secret": rotated.secret],
                        signedIn: signedIn, section: "onEndpoints"
                    )
                default:
                    throw CourierError.notFound("action")
                }
                return Self.redirect("/endpoints" + Self.query([], notice: signedIn.sealed(notice: notice)))
            }
        }
    }

    /// How far back the endpoints page's throughput looks: long enough to smooth out a burst,
    /// short enough to show that an endpoint has gone quiet.
    static let throughputWindow: TimeInterval = 15 * 60

    private func endpointsPage(_ query: [String: String], _ signedIn: SignedIn) async throws -> Response {
        let tenantID = signedIn.session.tenantID
        let now = Date()
        let page = try await store.endpoints(tenantID: tenantID, page: try PageRequest(query: query, idPrefixes: ["ep"]))
        let endpoints = page.items
        let backlog = Dictionary(
            try await store.backlog(now: now).byEndpoint.filter { $0.tenantID == tenantID }.map { ($0.key, $0.count) },
            uniquingKeysWith: +
        )
        var finished: [String: (all: Int, failed: Int)] = [:]
        for count in try await store.endpointActivity(tenantID: tenantID, since: now.addingTimeInterval(-Self.throughputWindow)) {
            finished[count.endpointID, default: (0, 0)].all += count.count
            if count.outcome != .succeeded { finished[count.endpointID, default: (0, 0)].failed += count.count }
        }
        let minutes = Self.throughputWindow / 60
        let rows = endpoints.map { endpoint -> [String: Any] in
            let health: String
            switch endpoint.health.state(at: now) {
            case .healthy: health = switch endpoint.health.failureStreak {
                case 0: "healthy"
                case 1: "1 failure"
                case let streak: "\(streak) failures in a row"
                }
            case .coolingDown(let until): health = "cooling down until \(Self.short(until))"
            case .probing: health = "probing"
            }
            let done = finished[endpoint.id] ?? (0, 0)
            return [
                "id": endpoint.id, "label": endpoint.name ?? endpoint.url, "url": endpoint.url, "status": endpoint.status.rawValue,
                "reason": endpoint.statusReason ?? "", "health": health, "lastSuccess": endpoint.health.lastSuccessAt.map(Self.short) ?? "",
                "backlog": backlog[endpoint.id] ?? 0, "throughput": String(format: "%.1f", Double(done.all) / minutes),
                "finished": "\(done.all) in \(Int(minutes)) min" + (done.failed > 0 ? ", \(done.failed) not succeeded" : ""),
                "canPause": endpoint.status == .active, "csrf": signedIn.csrf,
            ]
        }
        var data: [String: Any] = ["rows": rows, "window": "\(Int(minutes)) minutes"]
        if let cursor = page.nextCursor { data["next"] = "/endpoints" + Self.query([(name: "cursor", value: cursor)]) }
        return Self.render("endpoints", title: "Endpoints", data: data, signedIn: signedIn, notice: query["notice"], section: "onEndpoints")
    }

    /// The endpoint form's page: `form` shows the endpoint's settings, or what was typed when
    /// `problem` must be corrected.
    private static func endpointForm(_ endpoint: Endpoint?, _ form: EndpointForm, signedIn: SignedIn, problem: CourierError? = nil) -> [String: Any] {
        var data = form.data(stored: endpoint)
        data["heading"] = endpoint.map { "Edit \($0.name ?? $0.id)" } ?? "New endpoint"
        data["csrf"] = signedIn.csrf
        // Not `/edit`: a constant segment shared with the GET route would hide the POST one.
        data["action"] = endpoint.map { "/endpoints/\(escape($0.id))/save" } ?? "/endpoints/new"
        data["id"] = endpoint?.id
        data["problem"] = problem?.message
        return data
    }

    /// The dashboard saves endpoints as the API does, through the same front door.
    private func webhooks(_ signedIn: SignedIn) -> Webhooks {
        Webhooks(store: store, tenantID: signedIn.session.tenantID, targetGuard: targetGuard)
    }
}
