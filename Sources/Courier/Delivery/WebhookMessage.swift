import Foundation

/// The bytes and headers of one request to an endpoint.
public struct WebhookMessage: Sendable {
    public var body: [UInt8]
    public var contentType: String
    /// `webhook-id`: the event's id, the same on every retry and resend so receivers can deduplicate.
    public var id: String

    /// The default body, the Standard Webhooks envelope: `{"id","type","timestamp","data"}`.
    ///
    /// Built by appending the stored payload bytes as they are, so a delivery never re-encodes
    /// what the publisher sent.
    public static func envelope(for event: Event) -> WebhookMessage {
        var writer = JSONWriter(capacity: event.payload.count + 128)
        writeEnvelope(event, to: &writer)
        return WebhookMessage(body: writer.bytes, contentType: "application/json", id: event.id)
    }

    /// A batch: a JSON array of the events' envelopes (or, in the `raw` format, their payloads),
    /// oldest first, under the batch's own `webhook-id`. Each envelope keeps its event's id, for
    /// the receiver's `failed` list.
    public static func batch(id: String, events: [Event], raw: Bool = false) -> WebhookMessage {
        var writer = JSONWriter(capacity: events.reduce(2) { $0 + $1.payload.count + 128 })
        writer.appendRaw("[")
        for (index, event) in events.enumerated() {
            if index > 0 { writer.appendRaw(",") }
            if raw {
                writer.writeRaw(event.payload)
            } else {
                writeEnvelope(event, to: &writer)
            }
        }
        writer.appendRaw("]")
        return WebhookMessage(body: writer.bytes, contentType: "application/json", id: id)
    }

    /// The message for what a claim carries in the endpoint's format, or nil when the format
    /// makes no body of it (there is nothing to send). A batch must have been read first.
    public static func message(for delivery: ClaimedDelivery, format: PayloadFormat = .envelope) -> WebhookMessage? {
        switch delivery.content {
        case .event(let event):
            guard let rendered = format.render(event) else { return nil }
            return WebhookMessage(body: rendered.body, contentType: rendered.contentType, id: event.id)
        case .batch(let events):
            return batch(id: delivery.deliveryID, events: events, raw: format == .raw)
        case .unreadBatch:
            return nil
        case .task(let event, _):
            // A task's run is the same JSON whatever the endpoint's format: it needs an answer.
            return WebhookMessage(body: event.payload, contentType: "application/json", id: event.id)
        case .message(let batch):
            return WebhookMessage(body: batch.body, contentType: "application/json", id: batch.webhookID(deliveryID: delivery.deliveryID))
        }
    }

    private static func writeEnvelope(_ event: Event, to writer: inout JSONWriter) {
        writer.appendRaw("{\"id\":")
        writer.writeString(event.id)
        writer.appendRaw(",\"type\":")
        writer.writeString(event.type)
        writer.appendRaw(",\"timestamp\":")
        writer.writeString(Timestamp.format(event.occurredAt))
        writer.appendRaw(",\"data\":")
        writer.writeRaw(event.payload)
        writer.appendRaw("}")
    }

    /// Every header of the request: the endpoint's own first, then its credentials, then
    /// Courier's, which win.
    public func headers(target: DeliveryTarget, timestamp: Int64, now: Date, auth: HeaderField? = nil) -> [HeaderField] {
        var fields = target.staticHeaders
        fields.reserveCapacity(fields.count + 6)
        if let auth { fields.append(auth) }
        fields.append(HeaderField(name: "content-type", value: contentType))
        fields.append(HeaderField(name: "user-agent", value: "Courier/\(Courier.version)"))
        fields.append(HeaderField(name: "webhook-id", value: id))
        fields.append(HeaderField(name: "webhook-timestamp", value: String(timestamp)))
        fields.append(HeaderField(name: "webhook-signature", value: target.signer(at: now).signature(id: id, timestamp: timestamp, body: body)))
        return fields
    }
}

/// Facts about this build of Courier.
public enum Courier {
    public static let version = "0.1.0"
}
