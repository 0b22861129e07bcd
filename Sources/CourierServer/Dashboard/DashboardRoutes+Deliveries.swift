import Courier
import Foundation
import Hummingbird

extension DashboardRoutes {
    func addDeliveries(to router: Router<CourierRequestContext>) {
        router.get("deliveries") { request, _ in
            try await viewing(request, reading: Self.filterNames.union(["cursor", "notice"])) { signedIn, query in
                try await deliveriesPage(query, signedIn)
            }
        }
        router.get("deliveries/:id") { request, context in
            let id = try context.parameters.require("id")
            return try await viewing(request, reading: ["notice"]) { signedIn, query in
                try await deliveryPage(id: id, signedIn, notice: query["notice"])
            }
        }
        // The list's bulk form comes here first: nothing changes until the person has seen what
        // and how many, and confirmed.
        router.post("deliveries/bulk/confirm") { request, _ in
            try await changing(request) { signedIn, form in
                let (action, filter) = try Self.bulk(form)
                let matching = try await store.countDeliveries(tenantID: signedIn.session.tenantID, filter: filter)
                return Self.bulkConfirmation(action, filter, matching: matching, signedIn)
            }
        }
        router.post("deliveries/bulk") { request, _ in
            try await changing(request) { signedIn, form in
                let (action, filter) = try Self.bulk(form)
                let operation = try await store.startOperation(action, tenantID: signedIn.session.tenantID, filter: filter, now: Date())
                return Self.redirect("/operations/\(Self.escape(operation.id))")
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
                return Self.redirect("/deliveries/\(Self.escape(id))" + Self.query([], notice: signedIn.sealed(notice: notice)))
            }
        }
    }

    private func deliveriesPage(_ query: [String: String], _ signedIn: SignedIn) async throws -> Response {
        let tenantID = signedIn.session.tenantID
        let filter = try DeliveryFilter(parameters: query)
        let page = try await store.deliveries(tenantID: tenantID, filter: filter, page: try PageRequest(query: query, idPrefixes: ["dlv", "bat"]))
        // As many as a page of the store holds: a tenant with more gets a field for the id, as a
        // select that showed some of them would hide the rest.
        let listed = try await store.endpoints(tenantID: tenantID, page: PageRequest(limit: PageRequest.maximumLimit))
        var labels = Dictionary(listed.items.map { ($0.id, $0.name ?? $0.url) }, uniquingKeysWith: { first, _ in first })
        for id in Set(page.items.map(\.endpointID) + [filter.endpointID].compactMap { $0 }) where labels[id] == nil {
            if let endpoint = try await store.endpoint(tenantID: tenantID, id: id) { labels[id] = endpoint.name ?? endpoint.url }
        }
        let current = Self.fields(of: filter)
        var counts: [[String: Any]] = []
        var matching = 0
        for state in DeliveryState.allCases {
            var counted = filter
            counted.state = state
            let count = try await store.countDeliveries(tenantID: tenantID, filter: counted)
            // The counts per state add up to what the filter matches: the bulk form's count costs nothing more.
            if filter.state == nil || filter.state == state { matching += count }
            counts.append(["state": state.rawValue, "count": count, "current": filter.state == state,
                           "link": "/deliveries" + Self.query(Self.fields(of: counted))])
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
        var endpointOptions = listed.items.map { ["id": $0.id, "label": $0.name ?? $0.url, "selected": $0.id == filter.endpointID] }
        if let id = filter.endpointID, !listed.items.contains(where: { $0.id == id }) {
            endpointOptions.append(["id": id, "label": labels[id] ?? id, "selected": true])
        }
        let now = Date()
        let activity = try await store.activity(tenantID: tenantID, since: now.addingTimeInterval(-Double(ActivityChart.minutes) * 60))
        var data: [String: Any] = [
            "chart": ActivityChart.svg(activity, now: now), "counts": counts, "rows": rows,
            "stateOptions": DeliveryState.allCases.map { ["state": $0.rawValue, "selected": $0 == filter.state] },
            "filter": Dictionary(uniqueKeysWithValues: Self.filterNames.map { ($0, query[$0] ?? "") }),
            "hiddenFilter": current.map { ["name": $0.name, "value": $0.value] },
            "matching": matching, "some": matching > 0, "scope": current.isEmpty ? "Every delivery of tenant \(tenantID)" : "Every delivery this filter matches",
            "csrf": signedIn.csrf,
        ]
        if listed.nextCursor == nil { data["endpointOptions"] = endpointOptions } else { data["endpointField"] = true }
        if let cursor = page.nextCursor { data["next"] = "/deliveries" + Self.query(current + [(name: "cursor", value: cursor)]) }
        return Self.render("deliveries", title: "Deliveries", data: data, signedIn: signedIn, notice: query["notice"], section: "onDeliveries")
    }

    /// What a bulk action will do, and to how many, with the form that starts it.
    private static func bulkConfirmation(
        _ action: DeliveryStateMachine.Action, _ filter: DeliveryFilter, matching: Int, _ signedIn: SignedIn
    ) -> Response {
        let current = fields(of: filter)
        let label = action.rawValue.capitalized
        let what = matching == 1 ? "1 delivery" : "\(matching) deliveries"
        let data: [String: Any] = [
            "heading": "\(label) \(what)?", "button": "\(label) \(what)", "action": action.rawValue, "matching": matching, "some": matching > 0,
            "scope": current.isEmpty ? "every delivery of tenant \(signedIn.session.tenantID)" : "the deliveries where \(describe(filter))",
            "hiddenFilter": current.map { ["name": $0.name, "value": $0.value] }, "csrf": signedIn.csrf,
            "back": "/deliveries" + query(current), "whole": current.isEmpty,
        ]
        return render("bulk-confirm", title: "\(label) in bulk", data: data, signedIn: signedIn, section: "onDeliveries")
    }

    private func deliveryPage(id: String, _ signedIn: SignedIn, notice: String?) async throws -> Response {
        let tenantID = signedIn.session.tenantID
        guard let (delivery, attempts) = try await store.deliveryWithAttempts(tenantID: tenantID, id: id) else {
            throw CourierError.notFound("delivery")
        }
        let event = try await delivery.eventID.asyncMap { try await store.event(tenantID: tenantID, id: $0) } ?? nil
        let endpoint = try await store.endpoint(tenantID: tenantID, id: delivery.endpointID)
        // Only the buttons that would work: the state machine's own judgement.
        let actions: [[String: Any]] = DeliveryStateMachine.Action.allCases.filter {
            DeliveryStateMachine.refusal($0, state: delivery.state, endpointDeleted: endpoint == nil) == nil
        }.map { ["action": $0.rawValue, "label": $0.rawValue.capitalized, "id": id, "csrf": signedIn.csrf] }
        let payload = event.map { event in
            (try? JSONParser.parseStored(event.payload)).map(\.prettyPrinted) ?? String(decoding: event.payload, as: UTF8.self)
        }
        let kind = delivery.task != nil ? "task run" : delivery.messageID != nil ? "message batch" : delivery.eventID == nil ? "batch" : "event"
        var data: [String: Any] = [
            "id": delivery.id, "state": delivery.state.rawValue,
            "kind": kind,
            "endpoint": endpoint.map { $0.name ?? $0.url } ?? delivery.endpointID,
            "eventID": delivery.eventID ?? "", "eventType": event?.type ?? "", "attemptCount": delivery.attemptCount,
            "nextAttempt": delivery.nextAttemptAt.map(Self.short) ?? "none", "lastError": delivery.lastError ?? "",
            "created": Self.short(delivery.createdAt), "actions": delivery.task == nil ? actions : [], "payload": payload ?? "",
            // Where a person goes next: the batch that carries it, what a batch carries, the
            // session a task run belongs to (its replay and skip are there), the message.
            "batchID": delivery.batchID ?? "", "isBatch": kind == "batch",
            "sessionLink": delivery.task.map { "/sessions" + Self.query([(name: "uid", value: $0.session)]) } ?? "",
            "messageLink": delivery.messageID.map { "/messages/\(Self.escape($0))" } ?? "",
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
        if let event, let endpoint, let sent = Self.asSent(delivery, event: event, endpoint: endpoint) { data["asSent"] = sent }
        return Self.render("delivery", title: "Delivery \(id)", data: data, signedIn: signedIn, notice: notice, section: "onDeliveries")
    }

    /// A bulk form's action and filter, as the list posts them to the confirmation and the
    /// confirmation posts them on.
    private static func bulk(_ form: FormFields) throws(CourierError) -> (DeliveryStateMachine.Action, DeliveryFilter) {
        guard let action = form["action"].flatMap(DeliveryStateMachine.Action.init(rawValue:)) else {
            throw .invalid("choose requeue, resend or cancel", field: "action")
        }
        return (action, try DeliveryFilter(parameters: form.nonEmptyValues))
    }

    /// The query parameters of the deliveries list that make its filter, as the API names them.
    static let filterNames: Set<String> = ["endpoint", "state", "type", "key", "event", "batch", "since", "until"]

    /// A filter as query fields, in the API's names and forms: for the links and the hidden
    /// fields that carry it on to the next page, a count's list, or a bulk action.
    static func fields(of filter: DeliveryFilter) -> [(name: String, value: String)] {
        filter.json.objectValue?.fields.compactMap { field in field.value.stringValue.map { (name: field.key, value: $0) } } ?? []
    }

    /// What a delivery carries, in a few words.
    private static func subject(of delivery: Delivery, event: Event?) -> String {
        if let task = delivery.task { return "\(task.instance) of \(task.session)" }
        if let message = delivery.messageID { return "message \(message)" }
        if let event { return "\(event.type) · \(event.id)" }
        return "batch"
    }

    /// A body, indented when it is JSON or XML.
    private static func pretty(_ body: String) -> String {
        (try? JSONParser.parse(body)).map(\.prettyPrinted) ?? XMLIndenter.indent(body) ?? body
    }

    /// An event's body as the endpoint's format makes it (by the code that sends it), when that
    /// is not the envelope: what an `xml`, `form`, `raw` or template endpoint actually reads
    /// differs from the payload above. It is rendered now, with the format as it is now. Not
    /// for a delivery carried by a batch, whose request held the batch's array.
    private static func asSent(_ delivery: Delivery, event: Event, endpoint: Endpoint) -> [String: Any]? {
        guard delivery.task == nil, delivery.messageID == nil, delivery.batchID == nil, endpoint.batch == nil,
              endpoint.format != .envelope else { return nil }
        let name = if case .template = endpoint.format { "template" } else { endpoint.format.json.stringValue ?? "" }
        guard let rendered = endpoint.format.render(event) else { return ["format": name, "nothing": true] }
        return ["format": name, "contentType": rendered.contentType, "body": pretty(String(decoding: rendered.body, as: UTF8.self))]
    }
}
