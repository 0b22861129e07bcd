import Courier
import Foundation
import Testing

@Suite struct WebhookMessageTests {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000.25)

    func event(_ id: String, _ payload: String) -> Event {
        Event(id: id, tenantID: "t", type: "a.b", payload: Array(payload.utf8), occurredAt: t0, createdAt: t0)
    }

    func claimed(_ events: [Event]) -> ClaimedDelivery {
        ClaimedDelivery(
            deliveryID: "bat_1", tenantID: "t", content: .batch(events),
            progress: .init(state: .pending, attemptCount: 0, lastAttemptAt: nil, budget: RetryBudget()), leaseToken: 1
        )
    }

    @Test func aBatchIsAnArrayOfEnvelopesUnderTheBatchID() throws {
        let message = try #require(WebhookMessage.message(for: claimed([event("evt_1", #"{"n":1.50}"#), event("evt_2", "[]")])))
        #expect(message.id == "bat_1" && message.contentType == "application/json")
        #expect(String(decoding: message.body, as: UTF8.self) == #"[{"id":"evt_1","type":"a.b","timestamp":"2023-11-14T22:13:20.250Z","data":{"n":1.50}},{"id":"evt_2","type":"a.b","timestamp":"2023-11-14T22:13:20.250Z","data":[]}]"#)
    }

    @Test func aRawBatchIsAnArrayOfThePayloadsAsPublished() throws {
        let message = try #require(WebhookMessage.message(for: claimed([event("evt_1", #"{"z":1,"a":2e3}"#), event("evt_2", "null")]), format: .raw))
        #expect(String(decoding: message.body, as: UTF8.self) == #"[{"z":1,"a":2e3},null]"#)
    }
}
