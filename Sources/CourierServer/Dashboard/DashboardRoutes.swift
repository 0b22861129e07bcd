import Courier
import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// The dashboard: server-rendered pages over the same store as the API, for the people who
/// find out what failed, why, and fix it, mostly by looking.
///
/// Sign-in takes an API token once and keeps a signed session cookie (HttpOnly,
/// SameSite=Strict); every form that changes something carries a CSRF token bound to that
/// cookie. Changes answer with a redirect back to the page (post, redirect, get), with a
/// notice of what happened in the query.
struct DashboardRoutes {
    static let cookie = "courier_session"

    let store: any Store
    let adminTokenHash: String
    let bodyLimit: Int
    let targetGuard: TargetGuard
    let keyring: DashboardKeyring

    init(store: any Store, adminTokenHash: String, bodyLimit: Int, targetGuard: TargetGuard) {
        self.store = store
        self.adminTokenHash = adminTokenHash
        self.bodyLimit = bodyLimit
        self.targetGuard = targetGuard
        self.keyring = DashboardKeyring(store: store)
    }

    func add(to router: Router<CourierRequestContext>) {
        router.get("dashboard.css") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=300"],
                body: .init(byteBuffer: ByteBuffer(string: DashboardStyle.css))
            )
        }
        router.get("") { _, _ in Self.redirect("/deliveries") }
        router.get("login") { _, _ in
            Self.render("login", title: "Sign in", data: [:], signedIn: nil)
        }
        router.post("login") { request, _ in
            let form = try await form(request)
            let hash = TokenSecret.hash((form["token"] ?? "").trimmingCharacters(in: .whitespaces))
            let session: DashboardSession
            let expires = Date().addingTimeInterval(DashboardKeys.lifetime)
            if hash == adminTokenHash {
                session = DashboardSession(isAdmin: true, ownTenant: Tenant.defaultID, tenantID: Tenant.defaultID, expires: expires)
            } else if case .tenant(let tenantID)? = try await store.principal(tokenHash: hash) {
                session = DashboardSession(isAdmin: false, ownTenant: tenantID, tenantID: tenantID, expires: expires)
            } else {
                return Self.render("login", title: "Sign in", data: ["failed": "That token is not valid."], signedIn: nil, status: .unauthorized)
            }
            return try await signIn(session, to: "/deliveries")
        }
        router.post("logout") { request, _ in
            try await changing(request) { _, _ in
                var response = Self.redirect("/login")
                response.setCookie(Self.sessionCookie("", maxAge: 0))
                return response
            }
        }
        router.post("tenant") { request, _ in
            try await changing(request) { signedIn, form in
                guard signedIn.session.isAdmin else { throw CourierError(.forbidden, code: "forbidden", message: "only the admin switches tenants") }
                let tenantID = form.nonEmpty("tenant") ?? Tenant.defaultID
                guard try await store.tenant(id: tenantID) != nil else { throw CourierError.notFound("tenant") }
                var session = signedIn.session
                session.tenantID = tenantID
                return try await signIn(session, to: "/deliveries")
            }
        }
        router.get("deliveries") { request, _ in
            try await viewing(request) { signedIn in try await deliveriesPage(request, signedIn) }
        }
        router.get("deliveries/:id") { request, context in
            let id = try context.parameters.require("id")
            return try await viewing(request) { signedIn in try await deliveryPage(id: id, signedIn, notice: Self.notice(request)) }
        }
        router.post("deliveries/bulk") { request, _ in
            try await changing(request) { signedIn, form in
                guard let action = form["action"].flatMap(DeliveryStateMachine.Action.init(rawValue:)) else {
                    throw CourierError.invalid("choose requeue, resend or cancel", field: "action")
                }
                let filter = try Self.filter(form)
                let result = try await store.apply(action, tenantID: signedIn.session.tenantID, filter: filter, now: Date())
                let notice = "\(action.rawValue.capitalized): \(result.changed) of \(result.matched) matching deliveries changed."
                return Self.redirect("/deliveries" + Self.query(Self.filterFields(form), notice: notice))
            }
        }
        router.post("deliveries/:id/:action") { request, context in
            let id = try context.parameters.require("id")
            let name = try context.parameters.require("action")
            return try await changing(request) { signedIn, _ in
                guard let action = DeliveryStateMachine.Action(rawValue: name) else { throw CourierError.notFound("action") }
                let notice: String
                do {
                    let delivery = try await store.apply(action, tenantID: signedIn.session.tenantID, deliveryID: id, now: Date())
                    notice = "\(action.rawValue.capitalized): the delivery is \(delivery.state.rawValue)."
                } catch let error as CourierError where error.kind == .conflict {
                    notice = error.message
                }
                return Self.redirect("/deliveries/\(Self.escape(id))" + Self.query([], notice: notice))
            }
        }
        router.get("sessions") { request, _ in
            try await viewing(request) { signedIn in try await sessionPage(request, signedIn) }
        }
        router.post("sessions/instances/:action") { request, context in
            let name = try context.parameters.require("action")
            return try await changing(request) { signedIn, form in
                let triggers = Triggers(store: store, tenantID: signedIn.session.tenantID)
                let uid = form["uid"] ?? ""
                let instance = form["instance"] ?? ""
                let notice: String
                do {
                    switch name {
                    case "replay":
                        _ = try await triggers.replay(instance, in: uid, kwargs: try Self.jsonObject(form.nonEmpty("kwargs"), field: "kwargs"))
                        notice = "Replayed \(instance)."
                    case "skip":
                        _ = try await triggers.skip(
                            instance, in: uid, cascade: form["cascade"] == "1", result: try Self.jsonObject(form.nonEmpty("result"), field: "result")
                        )
                        notice = "Skipped \(instance)."
                    default:
                        throw CourierError.notFound("action")
                    }
                } catch let error as CourierError where error.kind == .conflict {
                    notice = error.message
                }
                return Self.redirect("/sessions" + Self.query([(name: "uid", value: uid)], notice: notice))
            }
        }
        router.get("messages") { request, _ in
            try await viewing(request) { signedIn in try await messagesPage(request, signedIn) }
        }
        router.get("messages/:id") { request, context in
            let id = try context.parameters.require("id")
            return try await viewing(request) { signedIn in try await messagePage(id: id, signedIn) }
        }
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

    // MARK: Pages

    private func deliveriesPage(_ request: Request, _ signedIn: SignedIn) async throws -> Response {
        let fields = FormFields(request.uri.query ?? "")
        let tenantID = signedIn.session.tenantID
        let filter = try Self.filter(fields)
        let endpoints = try await store.endpoints(tenantID: tenantID, page: PageRequest(limit: PageRequest.maximumLimit)).items
        let labels = Dictionary(endpoints.map { ($0.id, $0.name ?? $0.url) }, uniquingKeysWith: { first, _ in first })
        let page = try await store.deliveries(tenantID: tenantID, filter: filter, page: PageRequest(limit: 50, cursor: fields.nonEmpty("cursor")))
        var counts: [[String: Any]] = []
        for state in DeliveryState.allCases {
            var counted = filter
            counted.state = state
            let count = try await store.countDeliveries(tenantID: tenantID, filter: counted)
            var link = Self.filterFields(fields).filter { $0.name != "state" }
            link.append((name: "state", value: state.rawValue))
            counts.append(["state": state.rawValue, "count": count, "current": filter.state == state,
                           "link": "/deliveries" + Self.query(link)])
        }
        var rows: [[String: Any]] = []
        for delivery in page.items {
            let event = try await delivery.eventID.asyncMap { try await store.event(tenantID: tenantID, id: $0) } ?? nil
            rows.append([
                "id": delivery.id, "state": delivery.state.rawValue, "endpoint": labels[delivery.endpointID] ?? delivery.endpointID,
                "event": Self.subject(of: delivery, event: event), "attempts": delivery.attemptCount,
                "lastResponse": delivery.lastStatus.map { "HTTP \($0)" } ?? delivery.lastError ?? "",
                "nextAttempt": delivery.nextAttemptAt.map(Self.short) ?? "", "created": Self.short(delivery.createdAt),
            ])
        }
        let current = Self.filterFields(fields)
        let now = Date()
        let activity = try await store.activity(tenantID: tenantID, since: now.addingTimeInterval(-Double(ActivityChart.minutes) * 60))
        var data: [String: Any] = [
            "chart": ActivityChart.svg(activity, now: now), "counts": counts, "rows": rows,
            "endpointOptions": endpoints.map { ["id": $0.id, "label": $0.name ?? $0.url, "selected": $0.id == filter.endpointID] },
            "stateOptions": DeliveryState.allCases.map { ["state": $0.rawValue, "selected": $0 == filter.state] },
            "filter": [
                "event": fields["event"] ?? "", "since": fields["since"] ?? "", "until": fields["until"] ?? "",
                "type": fields["type"] ?? "", "key": fields["key"] ?? "",
            ],
            "hiddenFilter": current.map { ["name": $0.name, "value": $0.value] },
            "csrf": signedIn.csrf,
        ]
        if let cursor = page.nextCursor { data["next"] = "/deliveries" + Self.query(current + [(name: "cursor", value: cursor)]) }
        return Self.render("deliveries", title: "Deliveries", data: data, signedIn: signedIn, notice: fields["notice"], section: "onDeliveries")
    }

    private func deliveryPage(id: String, _ signedIn: SignedIn, notice: String?) async throws -> Response {
        let tenantID = signedIn.session.tenantID
        guard let delivery = try await store.delivery(tenantID: tenantID, id: id) else { throw CourierError.notFound("delivery") }
        let attempts = try await store.attempts(tenantID: tenantID, deliveryID: id)
        let event = try await delivery.eventID.asyncMap { try await store.event(tenantID: tenantID, id: $0) } ?? nil
        let endpoint = try await store.endpoint(tenantID: tenantID, id: delivery.endpointID)
        var actions: [[String: Any]] = [["action": "resend", "label": "Resend", "id": id, "csrf": signedIn.csrf]]
        if delivery.state.isActive { actions.append(["action": "cancel", "label": "Cancel", "id": id, "csrf": signedIn.csrf]) }
        if [.exhausted, .rejected, .cancelled].contains(delivery.state) {
            actions.append(["action": "requeue", "label": "Requeue", "id": id, "csrf": signedIn.csrf])
        }
        let payload = event.map { event in
            (try? JSONParser.parse(event.payload)).map(\.prettyPrinted) ?? String(decoding: event.payload, as: UTF8.self)
        }
        let data: [String: Any] = [
            "id": delivery.id, "state": delivery.state.rawValue,
            "kind": delivery.task != nil ? "task run" : delivery.messageID != nil ? "message batch" : delivery.eventID == nil ? "batch" : "event",
            "endpoint": endpoint.map { $0.name ?? $0.url } ?? delivery.endpointID,
            "eventID": delivery.eventID ?? "", "eventType": event?.type ?? "", "attemptCount": delivery.attemptCount,
            "nextAttempt": delivery.nextAttemptAt.map(Self.short) ?? "none", "lastError": delivery.lastError ?? "",
            "created": Self.short(delivery.createdAt), "actions": delivery.task == nil ? actions : [], "payload": payload ?? "",
            "attempts": attempts.reversed().map { attempt -> [String: Any] in
                [
                    "outcome": attempt.outcome.rawValue, "status": attempt.responseStatus.map { "HTTP \($0)" } ?? "no response",
                    "duration": String(format: "%.1f", attempt.duration * 1000), "started": Self.short(attempt.startedAt),
                    "request": attempt.request, "error": attempt.error ?? "",
                    "headers": attempt.responseHeaders.map { ["name": $0.name, "value": $0.value] },
                    "hasHeaders": !attempt.responseHeaders.isEmpty,
                    "body": attempt.responseBody.map(Self.pretty) ?? "", "truncated": attempt.responseBodyTruncated,
                ]
            },
        ]
        return Self.render("delivery", title: "Delivery \(id)", data: data, signedIn: signedIn, notice: notice, section: "onDeliveries")
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

    private func sessionPage(_ request: Request, _ signedIn: SignedIn) async throws -> Response {
        let fields = FormFields(request.uri.query ?? "")
        var data: [String: Any] = [:]
        if let uid = fields.nonEmpty("uid") {
            data["uid"] = uid
            if let session = try await Triggers(store: store, tenantID: signedIn.session.tenantID).session(uid) {
                data["found"] = true
                data["finalizeTrigger"] = session.finalizeTrigger ?? ""
                data["finalized"] = session.finalized
                data["unresolved"] = session.unresolvedTasks
                data["tasks"] = session.tasks.map { task -> [String: Any] in
                    [
                        "name": task.name, "run": task.run, "andEvery": task.andEvery ?? "",
                        "after": task.after.sorted().map { ["trigger": $0, "fired": session.fired[$0] != nil] },
                        "unless": task.unless.sorted().map { ["trigger": $0, "fired": session.fired[$0] != nil] },
                    ]
                }
                data["fired"] = session.fired.fields.map { ["name": $0.key, "kwargs": $0.value.prettyPrinted] }
                data["instances"] = session.instances.reversed().map { instance -> [String: Any] in
                    let times = TaskInstance.Status.allCases.compactMap { status in
                        instance.timestamps[status].map { "\(status.rawValue) \(Self.short($0))" }
                    }
                    return [
                        "name": instance.name, "status": instance.status.rawValue, "parent": instance.parent ?? "", "depth": instance.depth,
                        "error": instance.error ?? "", "times": times.joined(separator: " · "),
                        "sent": instance.actualKwargs.map { JSONValue.object($0).prettyPrinted } ?? "",
                        "result": instance.result.map { JSONValue.object($0).prettyPrinted } ?? "",
                        "failed": instance.status == .failed, "uid": uid, "csrf": signedIn.csrf,
                    ]
                }
            } else {
                data["missing"] = true
            }
        }
        return Self.render("session", title: "Session", data: data, signedIn: signedIn, notice: fields["notice"], section: "onSessions")
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

    /// `3 delivered · 1 errored`, in the statuses' order.
    private static func describe(_ counts: [TransmissionStatus: Int]) -> String {
        TransmissionStatus.allCases.compactMap { status in counts[status].map { "\($0) \(status.rawValue)" } }.joined(separator: " · ")
    }

    /// A JSON object typed into a form field; empty means none.
    private static func jsonObject(_ text: String?, field: String) throws(CourierError) -> JSONObject? {
        guard let text else { return nil }
        guard let object = (try? JSONParser.parse(text))?.objectValue else {
            throw .invalid("\(field) must be a JSON object, such as {\"trigger\": {\"key\": 1}}", field: field)
        }
        return object
    }

    // MARK: Sessions and forms

    /// A signed-in request: its session, and the CSRF token its forms carry.
    struct SignedIn {
        var session: DashboardSession
        var csrf: String
    }

    private func signedIn(_ request: Request) async throws -> SignedIn? {
        guard let cookie = request.cookies[Self.cookie]?.value, !cookie.isEmpty else { return nil }
        let keys = try await keyring.keys()
        guard let session = keys.open(cookie) else { return nil }
        return SignedIn(session: session, csrf: keys.csrf(for: cookie))
    }

    /// A page for the signed-in; anyone else is sent to sign in.
    private func viewing(_ request: Request, _ body: (SignedIn) async throws -> Response) async throws -> Response {
        guard let signedIn = try await signedIn(request) else { return Self.redirect("/login") }
        return try await Self.guarded(signedIn) { try await body(signedIn) }
    }

    /// A change: only for the signed-in, and only from our own forms (the CSRF token).
    private func changing(_ request: Request, _ body: (SignedIn, FormFields) async throws -> Response) async throws -> Response {
        guard let signedIn = try await signedIn(request) else { return Self.redirect("/login") }
        let form = try await form(request)
        guard form["csrf"] == signedIn.csrf else {
            return Self.render(
                "error", title: "Refused", data: ["heading": "Refused", "message": "The form has expired or did not come from this dashboard; reload the page and try again."],
                signedIn: signedIn, status: .forbidden
            )
        }
        return try await Self.guarded(signedIn) { try await body(signedIn, form) }
    }

    /// Errors a person can act on become a page that says so, not a JSON body.
    private static func guarded(_ signedIn: SignedIn, _ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as CourierError {
            let status: HTTPResponse.Status = switch error.kind {
            case .notFound: .notFound
            case .invalid: .badRequest
            case .conflict: .conflict
            case .forbidden: .forbidden
            default: .internalServerError
            }
            guard status != .internalServerError else { throw error }
            return render("error", title: "Problem", data: ["heading": "That did not work", "message": error.message], signedIn: signedIn, status: status)
        }
    }

    private func form(_ request: Request) async throws -> FormFields {
        var request = request
        let buffer = try await request.collectBody(upTo: bodyLimit)
        return FormFields(String(buffer: buffer))
    }

    private func signIn(_ session: DashboardSession, to path: String) async throws -> Response {
        let keys = try await keyring.keys()
        var response = Self.redirect(path)
        response.setCookie(Self.sessionCookie(keys.seal(session), maxAge: Int(DashboardKeys.lifetime)))
        return response
    }

    private static func sessionCookie(_ value: String, maxAge: Int) -> Cookie {
        Cookie(name: cookie, value: value, maxAge: maxAge, path: "/", httpOnly: true, sameSite: .strict)
    }

    // MARK: Rendering

    private static func render(
        _ template: String, title: String, data: [String: Any], signedIn: SignedIn?, notice: String? = nil,
        section: String? = nil, status: HTTPResponse.Status = .ok
    ) -> Response {
        let body = DashboardTemplates.library.render(compact(data), withTemplate: template) ?? ""
        var layout: [String: Any] = ["title": title, "body": body]
        if let notice, !notice.isEmpty { layout["notice"] = notice }
        if let signedIn {
            var session: [String: Any] = [
                "isAdmin": signedIn.session.isAdmin, "tenantID": signedIn.session.tenantID, "csrf": signedIn.csrf,
            ]
            if let section { session[section] = true }
            layout["session"] = session
        }
        let html = DashboardTemplates.library.render(layout, withTemplate: "layout") ?? ""
        return Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store", HTTPField.Name("X-Frame-Options")!: "DENY"],
            body: .init(byteBuffer: ByteBuffer(string: html))
        )
    }

    /// What the change before the redirect did, carried in the query.
    private static func notice(_ request: Request) -> String? {
        FormFields(request.uri.query ?? "").nonEmpty("notice")
    }

    /// The data without its empty strings: in Mustache an empty string still opens a section,
    /// and `{{#lastError}}…{{/lastError}}` should show only when there is one.
    private static func compact(_ value: Any) -> Any {
        switch value {
        case let dictionary as [String: Any]:
            return dictionary.compactMapValues { value -> Any? in
                if let text = value as? String, text.isEmpty { return nil }
                return compact(value)
            }
        case let array as [[String: Any]]:
            return array.map { compact($0) }
        default:
            return value
        }
    }

    private static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    /// The deliveries filter from a query string or a bulk form.
    private static func filter(_ fields: FormFields) throws(CourierError) -> DeliveryFilter {
        var object = JSONObject()
        for (name, value) in filterFields(fields) { object[name] = .string(value) }
        return try DeliveryFilter(json: .object(object))
    }

    private static let filterNames = ["endpoint", "state", "type", "key", "event", "since", "until"]

    private static func filterFields(_ fields: FormFields) -> [(name: String, value: String)] {
        filterNames.compactMap { name in fields.nonEmpty(name).map { (name: name, value: $0) } }
    }

    private static func query(_ fields: [(name: String, value: String)], notice: String? = nil) -> String {
        let all = fields + (notice.map { [(name: "notice", value: $0)] } ?? [])
        guard !all.isEmpty else { return "" }
        return "?" + all.map { "\($0.name)=\(escape($0.value))" }.joined(separator: "&")
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// A path segment or a query value, percent-encoded but for the unreserved characters.
    private static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// What a delivery carries, in a few words.
    private static func subject(of delivery: Delivery, event: Event?) -> String {
        if let task = delivery.task { return "\(task.instance) of \(task.session)" }
        if let message = delivery.messageID { return "message \(message)" }
        if let event { return "\(event.type) · \(event.id)" }
        return "batch"
    }

    /// `2026-11-24 05:30:12` (UTC): short enough for a table, exact enough to compare.
    static func short(_ date: Date) -> String {
        let text = Timestamp.format(date)
        return String(text.prefix(19)).replacingOccurrences(of: "T", with: " ")
    }

    /// A response body, indented when it is JSON.
    private static func pretty(_ body: String) -> String {
        (try? JSONParser.parse(body)).map(\.prettyPrinted) ?? body
    }
}

/// The dashboard's signing key, read from the store the first time a page needs it.
actor DashboardKeyring {
    private let store: any Store
    private var loaded: DashboardKeys?

    init(store: any Store) {
        self.store = store
    }

    func keys() async throws -> DashboardKeys {
        if let loaded { return loaded }
        let keys = try await DashboardKeys.load(store: store)
        loaded = keys
        return keys
    }
}

extension Optional {
    /// `map` for an async transform.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self {
        case .some(let value): try await transform(value)
        case .none: nil
        }
    }
}
