import Courier
import Foundation

/// How Courier's objects look in the API: camelCase keys, string ids, RFC 3339 times.
extension Tenant {
    var json: JSONValue {
        var o = JSONObject()
        o.append("id", .string(id))
        o.append("name", .optional(name))
        o.append("createdAt", .date(createdAt))
        return .object(o)
    }
}

extension APIToken {
    /// Never its hash; the token itself is shown once, in the answer that made it.
    var json: JSONObject {
        JSONObject([
            "id": .string(id), "tenantId": .optional(tenantID), "name": .optional(name), "createdAt": .date(createdAt),
        ])
    }
}

extension Endpoint {
    /// - Parameter includeSecret: lists leave the signing secret out; a single endpoint shows it.
    func json(includeSecret: Bool) -> JSONValue {
        var o = JSONObject()
        o.append("id", .string(id))
        o.append("name", .optional(name))
        o.append("description", .optional(description))
        o.append("url", .string(url))
        o.append("method", .string(method.rawValue))
        o.append("eventTypes", .array(eventTypes.map { .string($0.description) }))
        if includeSecret { o.append("secret", .string(secret)) }
        // The previous secret itself is never shown again; only how long it goes on signing.
        o.append("previousSecretExpiresAt", .date(previousSecretExpiresAt))
        let headerFields = headers.sorted { $0.key < $1.key }.map { JSONObject.Field(key: $0.key, value: .string($0.value)) }
        o.append("headers", .object(JSONObject(headerFields)))
        o.append("retry", retry.json)
        o.append("batch", batch?.json ?? .null)
        o.append("statusOverrides", statusOverrides.json)
        o.append("ordered", .bool(ordered))
        o.append("format", format.json)
        // Credentials are never shown back, in a list or alone.
        o.append("auth", auth?.publicJSON ?? .null)
        o.append("health", health.json(at: Date()))
        o.append("maxInFlight", .integer(maxInFlight))
        o.append("rateLimit", rateLimit?.json ?? .null)
        o.append("timeoutSeconds", timeoutSeconds.map(JSONValue.integer) ?? .null)
        o.append("status", .string(status.rawValue))
        o.append("statusReason", .optional(statusReason))
        o.append("createdAt", .date(createdAt))
        o.append("updatedAt", .date(updatedAt))
        return .object(o)
    }
}

extension EndpointHealth {
    func json(at now: Date) -> JSONValue {
        var o = JSONObject()
        switch state(at: now) {
        case .healthy: o.append("state", .string("healthy"))
        case .coolingDown: o.append("state", .string("coolingDown"))
        case .probing: o.append("state", .string("probing"))
        }
        o.append("failureStreak", .integer(failureStreak))
        o.append("cooldownUntil", .date(cooldownUntil))
        o.append("lastSuccessAt", .date(lastSuccessAt))
        o.append("failingSince", .date(failingSince))
        return .object(o)
    }
}

extension Delivery {
    var json: JSONValue {
        .object(jsonObject)
    }

    var jsonObject: JSONObject {
        var o = JSONObject()
        o.append("id", .string(id))
        o.append("kind", .string(task != nil ? "task" : messageID != nil ? "message" : eventID == nil ? "batch" : "event"))
        o.append("eventId", .optional(eventID))
        o.append("batchId", .optional(batchID))
        if let messageID { o.append("messageId", .string(messageID)) }
        if let task {
            o.append("session", .string(task.session))
            o.append("instance", .string(task.instance))
        }
        o.append("endpointId", .string(endpointID))
        o.append("state", .string(state.rawValue))
        o.append("attemptCount", .integer(attemptCount))
        o.append("nextAttemptAt", .date(nextAttemptAt))
        o.append("lastAttemptAt", .date(lastAttemptAt))
        o.append("lastStatus", lastStatus.map(JSONValue.integer) ?? .null)
        o.append("lastError", .optional(lastError))
        o.append("createdAt", .date(createdAt))
        o.append("updatedAt", .date(updatedAt))
        return o
    }
}

extension Attempt {
    var json: JSONValue {
        var o = JSONObject()
        o.append("id", .string(id))
        o.append("startedAt", .date(startedAt))
        o.append("durationMs", .double((duration * 1_000_000).rounded() / 1000))
        o.append("request", .string(request))
        o.append("responseStatus", responseStatus.map(JSONValue.integer) ?? .null)
        let headerObjects: [JSONValue] = responseHeaders.map { header in
            var h = JSONObject()
            h.append("name", .string(header.name))
            h.append("value", .string(header.value))
            return .object(h)
        }
        o.append("responseHeaders", .array(headerObjects))
        o.append("responseBody", .optional(responseBody))
        o.append("responseBodyTruncated", .bool(responseBodyTruncated))
        o.append("error", .optional(error))
        o.append("outcome", .string(outcome.rawValue))
        return .object(o)
    }
}

extension Event {
    /// The event with its payload as published; the payload is already JSON and is parsed back
    /// so that the answer is one well-formed document.
    var jsonObject: JSONObject {
        var o = JSONObject()
        o.append("id", .string(id))
        o.append("type", .string(type))
        o.append("key", .optional(key))
        o.append("payload", (try? JSONParser.parseStored(payload)) ?? .null)
        o.append("occurredAt", .date(occurredAt))
        o.append("idempotencyKey", .optional(idempotencyKey))
        o.append("createdAt", .date(createdAt))
        return o
    }
}

extension Message {
    var jsonObject: JSONObject {
        var o = JSONObject()
        o.append("id", .string(id))
        o.append("direction", .string(direction.rawValue))
        o.append("text", .string(text))
        if direction == .inbound {
            o.append("backend", .optional(backend))
            o.append("identity", .optional(identity))
        }
        o.append("externalId", .optional(externalID))
        o.append("inResponseTo", .optional(inResponseTo))
        o.append("status", .string(status.rawValue))
        o.append("createdAt", .date(createdAt))
        o.append("updatedAt", .date(updatedAt))
        o.append("sentAt", .date(sentAt))
        o.append("deliveredAt", .date(deliveredAt))
        return o
    }

    var json: JSONValue { .object(jsonObject) }
}

extension Transmission {
    var json: JSONValue {
        var o = JSONObject()
        o.append("id", .string(id))
        o.append("backend", .string(backend))
        o.append("identity", .string(identity))
        o.append("status", .string(status.rawValue))
        o.append("deliveryId", .optional(deliveryID))
        o.append("error", .optional(error))
        o.append("createdAt", .date(createdAt))
        o.append("updatedAt", .date(updatedAt))
        o.append("sentAt", .date(sentAt))
        o.append("deliveredAt", .date(deliveredAt))
        return .object(o)
    }
}

extension SessionSummary {
    /// Counts in the statuses' order, and `failed` spelled out for the list's readers (and
    /// its filter's name).
    var json: JSONValue {
        var counts = JSONObject()
        for status in TaskInstance.Status.allCases {
            if let count = instanceCounts[status] { counts.append(status.rawValue, .integer(count)) }
        }
        var o = JSONObject()
        o.append("uid", .string(uid))
        o.append("updatedAt", .date(updatedAt))
        o.append("finalized", .bool(finalized))
        o.append("taskCount", .integer(taskCount))
        o.append("instanceCounts", .object(counts))
        o.append("failed", .bool(failed))
        return .object(o)
    }
}
