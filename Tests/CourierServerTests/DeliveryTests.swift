import Courier
import CourierTesting
import Foundation
import Synchronization
import Testing

/// The delivery engine end to end: a real server, a real SQLite file, a real receiver on loopback.
@Suite struct DeliveryTests {
    static let fastRetry = #""retry":{"delays":[0.2,0.2,0.2]}"#

    @Test(arguments: StoreKind.all) func fansOutToEverySubscribedEndpointWithSignedEnvelopes(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            _ = try await server.createEndpoint(url: receiver.url + "/a", eventTypes: ["case.*"])
            _ = try await server.createEndpoint(url: receiver.url + "/b", eventTypes: ["case.updated"])
            _ = try await server.createEndpoint(url: receiver.url + "/c", eventTypes: ["*"])
            _ = try await server.createEndpoint(url: receiver.url + "/d", eventTypes: ["form.submitted"])
            let eventID = try await server.publish(type: "case.updated", payload: #"{"caseId":"42","z":1,"a":[1.50]}"#)
            let requests = try await receiver.waitForRequests(3)
            try await Task.sleep(for: .milliseconds(200))
            #expect(receiver.requests().count == 3)
            #expect(Set(requests.map(\.path)) == ["/a", "/b", "/c"])
            for request in requests {
                #expect(request.header("webhook-id") == eventID)
                #expect(request.header("content-type") == "application/json")
                #expect(request.header("webhook-signature")?.hasPrefix("v1,") == true)
                // The payload is forwarded as published: key order and number text kept.
                #expect(request.bodyText.hasSuffix(#","data":{"caseId":"42","z":1,"a":[1.50]}}"#))
                #expect(request.bodyText.hasPrefix(#"{"id":"\#(eventID)","type":"case.updated","timestamp":""#))
            }
            let deliveries = try await server.deliveries(ofEvent: eventID)
            #expect(deliveries.count == 3)
            for delivery in deliveries {
                try await server.waitForDelivery(delivery.string("id")!) { $0.state == "succeeded" }
            }
        }
    }

    /// The time a publisher gives is the time the API shows and the envelope carries, to the
    /// millisecond. These four were each written a millisecond early before times were kept
    /// by rounding (see ``Timestamp``).
    @Test(arguments: StoreKind.all) func occurredAtComesBackAsItWasSent(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            _ = try await server.createEndpoint(url: receiver.url + "/times")
            let times = ["2024-11-25T09:07:00.123Z", "1994-03-13T15:57:56.106Z", "2044-09-15T07:14:07.792Z", "1969-12-31T23:59:59.999Z"]
            var sent: [String: String] = [:]
            for time in times {
                let answer = try await server.api.post("/v1/events", #"{"type":"case.updated","occurredAt":"\#(time)","payload":{}}"#)
                #expect(answer.status == 202, "\(answer.text)")
                let id = try #require(answer["id"]?.stringValue)
                sent[id] = time
                #expect(try await server.api.get("/v1/events/\(id)")["occurredAt"]?.stringValue == time)
            }
            for request in try await receiver.waitForRequests(times.count) {
                let envelope = request.json?.objectValue
                let id = try #require(envelope?["id"]?.stringValue)
                #expect(envelope?["timestamp"]?.stringValue == sent[id])
            }
        }
    }

    /// The receiver never has more than `maxInFlight` requests at once, though a slot is taken
    /// again as soon as its answer comes, before the attempt's record lands.
    ///
    /// Sixty events, three at a time, are twenty rounds of claim, request and answer, each of
    /// which waits its turn on the two threads of Swift's cooperative pool beside every other
    /// test of the suite. Early in a full run that has taken 1.5 s a round, and 120 events
    /// (forty rounds) did not arrive within a minute in three of four full runs on 2026-11-25;
    /// on their own they take 3.6 s for both stores.
    @Test(arguments: StoreKind.all) func maxInFlightHoldsAtTheReceiverWhileSlotsAreReusedOnAnswer(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start { _, _ in RecordingReceiver.Reply(delay: .milliseconds(20)) }
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            _ = try await server.createEndpoint(url: receiver.url + "/hook", extra: #""maxInFlight":3"#)
            let count = 60
            let events = (0..<count).map { #"{"type":"case.updated","payload":{"i":\#($0)}}"# }.joined(separator: ",")
            let answer = try await server.api.post("/v1/events", "[\(events)]")
            #expect(answer.status == 202, "\(answer.text)")
            let requests: [RecordingReceiver.Request]
            do {
                requests = try await receiver.waitForRequests(count, timeout: .seconds(120))
            } catch {
                let listed = try await server.api.get("/v1/deliveries?limit=500")["data"]?.arrayValue ?? []
                let unfinished = listed.compactMap(\.objectValue).filter { $0["state"]?.stringValue != "succeeded" }
                Issue.record("\(error); not succeeded: \(unfinished)")
                return
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.requests().count == count, "each sent once")
            #expect(Set(requests.compactMap { $0.header("webhook-id") }).count == count)
            #expect(receiver.peakConcurrency <= 3, "peak \(receiver.peakConcurrency) with maxInFlight 3: \(receiver.requestsAtPeak)")
            #expect(receiver.peakConcurrency >= 2, "the slots were used side by side")
        }
    }

    @Test(arguments: StoreKind.all) func signaturesVerifyWithTheEndpointSecret(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
            _ = try await server.createEndpoint(url: receiver.url + "/hook", extra: #""secret":"\#(secret)""#)
            _ = try await server.publish()
            let request = try #require(try await receiver.waitForRequests(1).first)
            let id = try #require(request.header("webhook-id"))
            let timestamp = try #require(request.header("webhook-timestamp").flatMap { Int64($0) })
            let expected = WebhookSigner(secret: try WebhookSecret(secret)).signature(id: id, timestamp: timestamp, body: request.body)
            #expect(request.header("webhook-signature") == expected)
            #expect(abs(Double(timestamp) - Date().timeIntervalSince1970) < 300)
        }
    }

    @Test(arguments: StoreKind.all) func retriesAServerErrorUntilItSucceedsKeepingTheWebhookID(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start { _, count in
            count < 2 ? RecordingReceiver.Reply(status: 500, body: "down") : .ok
        }
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            let endpointID = try await server.createEndpoint(url: receiver.url + "/hook", extra: Self.fastRetry)
            let eventID = try await server.publish()
            let requests = try await receiver.waitForRequests(3)
            #expect(Set(requests.map { $0.header("webhook-id") }) == [eventID])
            let delivery = try #require(try await server.deliveries(ofEvent: eventID).first)
            #expect(delivery.string("endpointId") == endpointID)
            let detail = try await server.waitForDelivery(delivery.string("id")!) { $0.state == "succeeded" }
            #expect(detail.int("attemptCount") == 3)
            let attempts = detail.attempts
            #expect(attempts.map { $0.string("outcome") } == ["failed", "failed", "succeeded"])
            #expect(attempts.map { $0.int("responseStatus") } == [500, 500, 200])
            #expect(attempts.first?.string("responseBody") == "down")
        }
    }

    @Test(arguments: StoreKind.all) func aClientErrorIsRejectedAfterOneAttempt(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start { _, _ in RecordingReceiver.Reply(status: 400, body: #"{"error":"bad"}"#) }
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            _ = try await server.createEndpoint(url: receiver.url + "/hook", extra: Self.fastRetry)
            let eventID = try await server.publish()
            let delivery = try #require(try await server.deliveries(ofEvent: eventID).first)
            let detail = try await server.waitForDelivery(delivery.string("id")!) { $0.state == "rejected" }
            #expect(detail.int("attemptCount") == 1)
            #expect(detail.int("lastStatus") == 400)
            try await Task.sleep(for: .milliseconds(500))
            #expect(receiver.requests().count == 1)
        }
    }

    /// A redirect is not followed: the request would go to a URL nobody saved (and past the
    /// private-target guard). It is rejected after one attempt, and the Location gets nothing.
    @Test(arguments: StoreKind.all) func aRedirectIsRejectedAndNotFollowed(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start { request, _ in
            request.path == "/hook" ? RecordingReceiver.Reply(status: 307, headers: [HeaderField(name: "Location", value: "/elsewhere")]) : .ok
        }
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            _ = try await server.createEndpoint(url: receiver.url + "/hook", extra: Self.fastRetry)
            let eventID = try await server.publish()
            let delivery = try #require(try await server.deliveries(ofEvent: eventID).first)
            let detail = try await server.waitForDelivery(delivery.string("id")!) { $0.state == "rejected" }
            #expect(detail.int("attemptCount") == 1 && detail.int("lastStatus") == 307)
            try await Task.sleep(for: .milliseconds(500))
            #expect(receiver.requests().map(\.path) == ["/hook"], "the Location was not followed")
        }
    }

    /// A receiver's body is kept as text for people to read; a NUL in it is shown as U+FFFD on
    /// both stores (PostgreSQL's text cannot hold one), and the rest is not cut off.
    @Test(arguments: StoreKind.all) func aNULInAReceiversBodyIsShownNotCutShort(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start { _, _ in
            var reply = RecordingReceiver.Reply(status: 400)
            reply.body = Array("before".utf8) + [0] + Array("after".utf8)
            return reply
        }
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            _ = try await server.createEndpoint(url: receiver.url + "/hook", extra: Self.fastRetry)
            let eventID = try await server.publish()
            let delivery = try #require(try await server.deliveries(ofEvent: eventID).first)
            let detail = try await server.waitForDelivery(delivery.string("id")!) { $0.state == "rejected" }
            #expect(detail.attempts.first?.string("responseBody") == "before\u{FFFD}after")
            #expect(detail.attempts.first?["responseBodyTruncated"] == .bool(false))
        }
    }

    @Test(arguments: StoreKind.all) func aReceiverThatTimesOutIsRetriedThenExhausted(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start { _, _ in RecordingReceiver.Reply(delay: .seconds(3)) }
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store, .init(requestTimeout: .milliseconds(300))) { server in
            _ = try await server.createEndpoint(url: receiver.url + "/hook", extra: #""retry":{"delays":[0.1]}"#)
            let eventID = try await server.publish()
            let delivery = try #require(try await server.deliveries(ofEvent: eventID).first)
            let detail = try await server.waitForDelivery(delivery.string("id")!) { $0.state == "exhausted" }
            #expect(detail.int("attemptCount") == 2)
            for attempt in detail.attempts {
                #expect(attempt.string("error")?.hasPrefix("timeout") == true, "\(attempt)")
                #expect(attempt["responseStatus"] == .null)
            }
        }
    }

    /// An endpoint's own timeout replaces the server's, both ways: a slow importer gets the
    /// longer time it needs, and an endpoint that should answer at once fails sooner.
    @Test(arguments: StoreKind.all) func anEndpointsOwnTimeoutReplacesTheServers(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start { request, _ in
            RecordingReceiver.Reply(delay: request.path == "/slow-importer" ? .seconds(2) : .seconds(40))
        }
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store, .init(requestTimeout: .seconds(1))) { server in
            _ = try await server.createEndpoint(url: receiver.url + "/slow-importer", extra: #""timeoutSeconds":20"#)
            let eventID = try await server.publish()
            let delivery = try #require(try await server.deliveries(ofEvent: eventID).first)
            let detail = try await server.waitForDelivery(delivery.string("id")!) { $0.state != "pending" }
            #expect(detail.state == "succeeded", "answered after 2 s, within its own 20: \(detail.attempts)")
        }
        try await TestServer.with(store, .init(requestTimeout: .seconds(120))) { server in
            _ = try await server.createEndpoint(url: receiver.url + "/hung", extra: #""timeoutSeconds":1,"retry":{"delays":[]}"#)
            let eventID = try await server.publish()
            let delivery = try #require(try await server.deliveries(ofEvent: eventID).first)
            // Long before the receiver's 40 s or the server's 120 s.
            let detail = try await server.waitForDelivery(delivery.string("id")!, timeout: .seconds(25)) { $0.state == "exhausted" }
            #expect(detail.attempts.first?.string("error")?.hasPrefix("timeout") == true, "\(detail.attempts)")
        }
    }

    @Test(arguments: StoreKind.all) func aRefusedConnectionIsRetried(_ store: StoreKind) async throws {
        // A port bound but not listening: connections to it are refused, and no other server
        // can take it meanwhile.
        let closed = try ReservedPort()
        let url = closed.url
        try await TestServer.with(store) { server in
            _ = try await server.createEndpoint(url: url + "/hook", extra: #""retry":{"delays":[0.1,0.1]}"#)
            let eventID = try await server.publish()
            let delivery = try #require(try await server.deliveries(ofEvent: eventID).first)
            let detail = try await server.waitForDelivery(delivery.string("id")!) { $0.state == "exhausted" }
            #expect(detail.int("attemptCount") == 3)
            #expect(detail.attempts.allSatisfy { $0.string("error") == "connection refused" }, "\(detail.attempts)")
        }
        withExtendedLifetime(closed) {}
    }

    @Test(arguments: StoreKind.all) func goneDisablesTheEndpointAndHoldsItsDeliveriesUntilResumed(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start { _, count in
            count == 0 ? RecordingReceiver.Reply(status: 410) : .ok
        }
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            let endpointID = try await server.createEndpoint(url: receiver.url + "/hook", extra: Self.fastRetry)
            let eventID = try await server.publish()
            try await receiver.waitForRequests(1)
            let endpoint = try await pollEndpoint(server, endpointID) { $0.string("status") == "disabled" }
            #expect(endpoint.string("statusReason")?.contains("410") == true)
            let delivery = try #require(try await server.deliveries(ofEvent: eventID).first)
            let held = try await server.waitForDelivery(delivery.string("id")!) { $0.int("attemptCount") == 1 }
            #expect(held.state == "retrying")
            // A disabled endpoint takes no new events, and sends nothing while held.
            let second = try await server.publish()
            #expect(try await server.deliveries(ofEvent: second).isEmpty)
            try await Task.sleep(for: .milliseconds(500))
            #expect(receiver.requests().count == 1)

            let resumed = try await server.api.post("/v1/endpoints/\(endpointID)/resume")
            #expect(resumed["status"]?.stringValue == "active")
            try await server.waitForDelivery(delivery.string("id")!) { $0.state == "succeeded" }
            #expect(receiver.requests().count == 2)
        }
    }

    @Test(arguments: StoreKind.all) func pausedEndpointsHoldDeliveriesAndResumeReleasesThemAtOnce(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            let endpointID = try await server.createEndpoint(url: receiver.url + "/hook")
            let paused = try await server.api.post("/v1/endpoints/\(endpointID)/pause")
            #expect(paused.status == 200)
            #expect(paused["status"]?.stringValue == "paused")
            var events: [String] = []
            for i in 0..<5 { events.append(try await server.publish(payload: #"{"i":\#(i)}"#)) }
            try await Task.sleep(for: .milliseconds(500))
            #expect(receiver.requests().isEmpty)
            for eventID in events {
                #expect(try await server.deliveries(ofEvent: eventID).first?.state == "pending")
            }
            _ = try await server.api.post("/v1/endpoints/\(endpointID)/resume")
            let requests = try await receiver.waitForRequests(5)
            #expect(Set(requests.compactMap { $0.header("webhook-id") }) == Set(events))
        }
    }

    @Test(arguments: StoreKind.all) func resendMakesOneMoreAttemptAndRequeueGivesAFreshBudget(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start { _, _ in RecordingReceiver.Reply(status: 422) }
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            _ = try await server.createEndpoint(url: receiver.url + "/hook", extra: Self.fastRetry)
            let eventID = try await server.publish()
            let deliveryID = try #require(try await server.deliveries(ofEvent: eventID).first?.string("id"))
            try await server.waitForDelivery(deliveryID) { $0.state == "rejected" }

            // Resend of a rejected delivery: one attempt, which fails again: rejected, 2 attempts.
            let resent = try await server.api.post("/v1/deliveries/\(deliveryID)/resend")
            #expect(resent.status == 200)
            try await server.waitForDelivery(deliveryID) { $0.int("attemptCount") == 2 && $0.state == "rejected" }

            // Cancel is refused for a finished delivery.
            let cancel = try await server.api.post("/v1/deliveries/\(deliveryID)/cancel")
            #expect(cancel.status == 409)
            #expect(cancel.errorCode == "invalid_state")

            // Now the receiver recovers; requeue sends it again and it succeeds.
            receiver.respond { _, _ in .ok }
            let requeued = try await server.api.post("/v1/deliveries/\(deliveryID)/requeue")
            #expect(requeued.status == 200)
            let done = try await server.waitForDelivery(deliveryID) { $0.state == "succeeded" }
            #expect(done.int("attemptCount") == 3)
            #expect(receiver.requests().count == 3)
            // Resend of a succeeded delivery sends it once more, with the same webhook-id.
            _ = try await server.api.post("/v1/deliveries/\(deliveryID)/resend")
            try await server.waitForDelivery(deliveryID) { $0.int("attemptCount") == 4 }
            #expect(Set(receiver.requests().map { $0.header("webhook-id") }) == [eventID])
        }
    }

    @Test(arguments: StoreKind.all) func cancelStopsARetryingDelivery(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start { _, _ in RecordingReceiver.Reply(status: 503) }
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            _ = try await server.createEndpoint(url: receiver.url + "/hook", extra: #""retry":{"delays":[3600]}"#)
            let eventID = try await server.publish()
            let deliveryID = try #require(try await server.deliveries(ofEvent: eventID).first?.string("id"))
            try await server.waitForDelivery(deliveryID) { $0.state == "retrying" }
            let cancelled = try await server.api.post("/v1/deliveries/\(deliveryID)/cancel")
            #expect(cancelled.status == 200)
            #expect(cancelled["state"]?.stringValue == "cancelled")
            #expect(cancelled["nextAttemptAt"] == .null)
        }
    }

    @Test(arguments: StoreKind.all) func abortMessageHeaderCancelsTheDelivery(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start { _, _ in
            RecordingReceiver.Reply(status: 500, headers: [HeaderField(name: "webhook-delivery", value: "abort-message")])
        }
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            _ = try await server.createEndpoint(url: receiver.url + "/hook", extra: Self.fastRetry)
            let eventID = try await server.publish()
            let deliveryID = try #require(try await server.deliveries(ofEvent: eventID).first?.string("id"))
            let detail = try await server.waitForDelivery(deliveryID) { $0.state == "cancelled" }
            #expect(detail.int("attemptCount") == 1)
            #expect(detail.attempts.first?.string("outcome") == "aborted")
        }
    }

    @Test(arguments: StoreKind.all) func bulkRequeueAppliesToEveryMatchingDelivery(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start { _, _ in RecordingReceiver.Reply(status: 400) }
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            let endpointID = try await server.createEndpoint(url: receiver.url + "/hook")
            var ids: [String] = []
            for _ in 0..<4 {
                let eventID = try await server.publish()
                ids.append(try #require(try await server.deliveries(ofEvent: eventID).first?.string("id")))
            }
            for id in ids { try await server.waitForDelivery(id) { $0.state == "rejected" } }
            receiver.respond { _, _ in .ok }
            let bulk = try await server.api.post(
                "/v1/deliveries/bulk", #"{"action":"requeue","filter":{"endpoint":"\#(endpointID)","state":"rejected"}}"#
            )
            #expect(bulk.status == 200, "\(bulk.text)")
            #expect(bulk["matched"] == .integer(4))
            #expect(bulk["changed"] == .integer(4))
            for id in ids { try await server.waitForDelivery(id) { $0.state == "succeeded" } }
            let list = try await server.api.get("/v1/deliveries?endpoint=\(endpointID)&state=succeeded")
            #expect(list["data"]?.arrayValue?.count == 4)
        }
    }

    @Test(arguments: StoreKind.all) func deletingAnEndpointCancelsItsPendingDeliveries(_ store: StoreKind) async throws {
        try await TestServer.with(store) { server in
            let endpointID = try await server.createEndpoint(url: "http://127.0.0.1:9/hook")
            _ = try await server.api.post("/v1/endpoints/\(endpointID)/pause")
            let eventID = try await server.publish()
            let deliveryID = try #require(try await server.deliveries(ofEvent: eventID).first?.string("id"))
            let deleted = try await server.api.delete("/v1/endpoints/\(endpointID)")
            #expect(deleted.status == 204)
            #expect(try await server.api.get("/v1/endpoints/\(endpointID)").status == 404)
            let delivery = try await server.api.get("/v1/deliveries/\(deliveryID)")
            #expect(delivery["state"]?.stringValue == "cancelled")
            #expect(delivery["lastError"]?.stringValue == "endpoint deleted")
        }
    }

    private func pollEndpoint(_ server: TestServer, _ id: String, until condition: (JSONObject) -> Bool) async throws -> JSONObject {
        let deadline = ContinuousClock.now + .seconds(20)
        var last = JSONObject()
        while ContinuousClock.now < deadline {
            last = try await server.api.get("/v1/endpoints/\(id)").json.objectValue ?? JSONObject()
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("endpoint \(id) did not reach the expected state")
        return last
    }
}

/// Per-endpoint exceptions to how statuses are read, against a real receiver.
@Suite struct StatusOverrideTests {
    @Test(arguments: StoreKind.all) func listedStatusesAreRetriedOrNotAsTheEndpointSays(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start { request, count in
            if request.path == "/proxy" { return count < 2 ? RecordingReceiver.Reply(status: 404) : .ok }
            return RecordingReceiver.Reply(status: 503)
        }
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            _ = try await server.createEndpoint(
                url: receiver.url + "/proxy", extra: #""retry":{"delays":[0.1,0.1,0.1]},"statusOverrides":{"retry":[404]}"#
            )
            _ = try await server.createEndpoint(
                url: receiver.url + "/final", extra: #""retry":{"delays":[0.1,0.1,0.1]},"statusOverrides":{"noRetry":[503]}"#
            )
            let eventID = try await server.publish()
            var states: [String: JSONObject] = [:]
            for delivery in try await server.deliveries(ofEvent: eventID) {
                let done = try await server.waitForDelivery(delivery.string("id")!) { $0.state == "succeeded" || $0.state == "rejected" }
                states[done.state ?? ""] = done
            }
            #expect(states["succeeded"]?.int("attemptCount") == 3, "404 was retried until it succeeded")
            #expect(states["rejected"]?.int("attemptCount") == 1, "503 was not retried")
            #expect(receiver.requests().filter { $0.path == "/final" }.count == 1)
        }
    }

    @Test(arguments: StoreKind.all) func badOverridesAreRefused(_ store: StoreKind) async throws {
        try await TestServer.with(store) { server in
            for (overrides, field) in [
                (#"{"retry":[200]}"#, "statusOverrides.retry[0]"), (#"{"retry":["404"]}"#, "statusOverrides.retry[0]"),
                (#"{"retry":[404],"noRetry":[404]}"#, "statusOverrides"), (#"{"sometimes":[500]}"#, "statusOverrides.sometimes"),
                (#"[404]"#, "statusOverrides"),
            ] {
                let answer = try await server.api.post(
                    "/v1/endpoints", #"{"url":"http://127.0.0.1:9/h","eventTypes":["*"],"statusOverrides":\#(overrides)}"#
                )
                #expect(answer.status == 400 && answer.text.contains(field), "\(overrides): \(answer.text)")
            }
            let id = try await server.createEndpoint(url: "http://127.0.0.1:9/h", extra: #""statusOverrides":{"noRetry":[502,500]}"#)
            let shown = try await server.api.get("/v1/endpoints/\(id)")["statusOverrides"]
            #expect(shown == .object(JSONObject(["retry": .array([]), "noRetry": .array([.integer(500), .integer(502)])])))
        }
    }
}

/// `ordered: true` against a real receiver.
@Suite struct OrderedDeliveryTests {
    @Test(arguments: StoreKind.all) func oneAtATimeOldestFirstAndAFailingHeadHoldsTheRest(_ store: StoreKind) async throws {
        // The first two requests fail (both for the oldest event): with order kept, nothing overtakes it.
        let failing = try await RecordingReceiver.start { _, count in
            RecordingReceiver.Reply(status: count < 2 ? 503 : 200, delay: .milliseconds(20))
        }
        defer { Task { await failing.stop() } }
        try await TestServer.with(store) { server in
            _ = try await server.createEndpoint(
                url: failing.url + "/hook", extra: #""ordered":true,"maxInFlight":8,"retry":{"delays":[0.1,0.1,0.1]}"#
            )
            var events: [String] = []
            for i in 0..<4 { events.append(try await server.publish(payload: #"{"i":\#(i)}"#)) }
            let requests = try await failing.waitForRequests(6)
            let order = requests.compactMap { $0.header("webhook-id") }
            #expect(Array(order.prefix(3)) == [events[0], events[0], events[0]], "the head is retried before anything else: \(order)")
            #expect(Array(order.dropFirst(3).prefix(3)) == [events[1], events[2], events[3]], "then the rest, oldest first: \(order)")
            #expect(failing.peakConcurrency == 1)
        }
    }

    /// What a person does to let an endpoint's held work go takes effect at once, not at the
    /// engine's next look at the store (set here past the waits): cancelling the head an
    /// ordered endpoint waits on, making it unordered, or turning its batching off.
    @Test(arguments: StoreKind.all) func heldWorkGoesAsSoonAsAPersonLetsItGo(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start { request, _ in
            RecordingReceiver.Reply(status: request.json?.objectValue?["data"]?.objectValue?["i"] == .integer(0) ? 500 : 200)
        }
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store, .init(resyncInterval: 600)) { server in
            for (path, change) in [("cancel", ""), ("unordered", #"{"ordered":false}"#)] {
                let id = try await server.createEndpoint(
                    url: receiver.url + "/" + path, eventTypes: ["\(path).*"], extra: #""ordered":true,"retry":{"delays":[300]}"#
                )
                let head = try await server.api.post("/v1/events", #"{"type":"\#(path).x","payload":{"i":0}}"#)
                _ = try await receiver.waitForRequests(1, path: "/" + path)
                for i in 1...2 { _ = try await server.api.post("/v1/events", #"{"type":"\#(path).x","payload":{"i":\#(i)}}"#) }
                try await Task.sleep(for: .milliseconds(200))
                #expect(receiver.requests(path: "/" + path).count == 1, "the head holds the rest back")
                if change.isEmpty {
                    let delivery = try #require(try await server.api.get("/v1/events/\(head["id"]?.stringValue ?? "")")["deliveries"]?.arrayValue?.first?.objectValue)
                    #expect(try await server.api.post("/v1/deliveries/\(delivery["id"]?.stringValue ?? "")/cancel").status == 200)
                } else {
                    #expect(try await server.api.patch("/v1/endpoints/\(id)", change).status == 200)
                }
                _ = try await receiver.waitForRequests(3, path: "/" + path, timeout: .seconds(30))
            }
            let batching = try await server.createEndpoint(url: receiver.url + "/batch", eventTypes: ["b.*"], extra: #""batch":{"maxSize":10}"#)
            for i in 0..<3 { _ = try await server.api.post("/v1/events", #"{"type":"b.x","payload":{"i":\#(i)}}"#) }
            try await Task.sleep(for: .milliseconds(200))
            #expect(receiver.requests(path: "/batch").isEmpty, "three wait for a batch of ten")
            #expect(try await server.api.patch("/v1/endpoints/\(batching)", #"{"batch":null}"#).status == 200)
            _ = try await receiver.waitForRequests(3, path: "/batch", timeout: .seconds(30))
        }
    }

    @Test(arguments: StoreKind.all) func orderedAndBatchCannotBeCombined(_ store: StoreKind) async throws {
        try await TestServer.with(store) { server in
            let answer = try await server.api.post(
                "/v1/endpoints", #"{"url":"http://127.0.0.1:9/h","eventTypes":["*"],"ordered":true,"batch":{"maxSize":5}}"#
            )
            #expect(answer.status == 400 && answer.text.contains("ordered"), "\(answer.text)")
            let id = try await server.createEndpoint(url: "http://127.0.0.1:9/h", extra: #""ordered":true"#)
            let patched = try await server.api.patch("/v1/endpoints/\(id)", #"{"batch":{"maxSize":5}}"#)
            #expect(patched.status == 400, "\(patched.text)")
            #expect(try await server.api.get("/v1/endpoints/\(id)")["batch"] == .null, "nothing changed")
            #expect(try await server.api.patch("/v1/endpoints/\(id)", #"{"ordered":"yes"}"#).status == 400)
        }
    }
}

private struct NoCoolDown: Error, CustomStringConvertible {
    var description: String
}

/// Cool-down and probe after an outage, against a real receiver, on a ``TestClock``: the
/// cool-downs are stepped through on the clock, so no check depends on how fast the machine is.
@Suite struct EndpointHealthTests {
    @Test(arguments: StoreKind.all) func anOutageEndsInACoolDownThenOneProbeThenTheBacklog(_ store: StoreKind) async throws {
        let up = Mutex(false)
        let receiver = try await RecordingReceiver.start { _, _ in
            up.withLock { $0 } ? RecordingReceiver.Reply(status: 204, delay: .milliseconds(200)) : RecordingReceiver.Reply(status: 503)
        }
        defer { Task { await receiver.stop() } }
        let clock = TestClock()
        var settings = TestServer.Settings()
        settings.clock = clock
        try await TestServer.with(store, settings) { server in
            let endpointID = try await server.createEndpoint(
                url: receiver.url + "/hook", extra: #""maxInFlight":4,"retry":{"delays":[\#(Array(repeating: "0.1", count: 40).joined(separator: ","))]}"#
            )
            func health() async throws -> EndpointHealth {
                try #require(try await server.store.endpoint(tenantID: Tenant.defaultID, id: endpointID)).health
            }
            /// Waits until the endpoint's cool-down ends later than `after`; returns its end.
            func coolDown(after: Date?) async throws -> Date {
                let deadline = ContinuousClock.now + .seconds(30)
                while ContinuousClock.now < deadline {
                    if let until = try await health().cooldownUntil, after.map({ until > $0 }) ?? true { return until }
                    try await Task.sleep(for: .milliseconds(10))
                }
                throw NoCoolDown(description: "no new cool-down after \(String(describing: after)): \(try await health())")
            }
            var events: [String] = []
            for i in 0..<8 { events.append(try await server.publish(payload: #"{"i":\#(i)}"#)) }
            // Five failures in a row start the first cool-down, of 5 s. The clock flows with real
            // time, so on a busy machine that one (and its probe) may be over before the test
            // looks: it goes on from the level it finds.
            var until = try await coolDown(after: nil)
            let first = try await health()
            let started = try #require(first.failingSince)
            #expect(first.cooldownLevel >= 1 && until.timeIntervalSince(started) >= 5, "5 s or more after the fifth failure: \(first)")
            /// A cool-down's length at `level` (counted from 1): 5 s, doubling, up to an hour.
            func length(_ level: Int) -> TimeInterval { min(5 * pow(2, Double(level - 1)), 3600) }
            // Each probe that fails doubles it, up to an hour: through them on the clock. Each
            // new one runs from its probe, which went at the end of the one before or later.
            var level = first.cooldownLevel
            while until.timeIntervalSince(clock.now) < 3000 {
                // (On a busy machine the real time may have taken it past the end already.)
                clock.advance(by: max(0, until.timeIntervalSince(clock.now) + 0.01))
                let next = try await coolDown(after: until)
                let reached = try await health().cooldownLevel
                #expect(reached > level && next.timeIntervalSince(until) >= length(reached), "level \(reached) lasts \(length(reached)) s")
                (until, level) = (next, reached)
            }
            #expect(length(level) == 3600, "up to an hour: level \(level)")
            // Cooling down for an hour: nothing is sent, however long the machine takes.
            let sent = receiver.requests().count
            try await Task.sleep(for: .milliseconds(500))
            #expect(receiver.requests().count == sent, "nothing sent while cooling down")
            #expect(try await health().state(at: clock.now) == .coolingDown(until: until))

            // The receiver is back, and the hour is over: one probe, alone, then the backlog.
            up.withLock { $0 = true }
            clock.advance(by: max(0, until.timeIntervalSince(clock.now) + 0.01))
            for event in events {
                let delivery = try #require(try await server.deliveries(ofEvent: event).first)
                try await server.waitForDelivery(delivery.string("id")!, timeout: .seconds(30)) { $0.state == "succeeded" }
            }
            let times = receiver.requests().map(\.receivedAt)
            let timeline = times.suffix(from: sent).map { String(format: "%.3f", $0.timeIntervalSince(times[sent])) }
            #expect(times.count - sent == 8, "the eight, each once: \(timeline)")
            #expect(times[sent + 1].timeIntervalSince(times[sent]) >= 0.19, "the probe went alone: \(timeline)")
            let afterProbe = Array(times.suffix(from: sent + 1))
            let together = zip(afterProbe, afterProbe.dropFirst()).contains { $1.timeIntervalSince($0) < 0.19 }
            #expect(together, "requests side by side again after the probe: \(timeline)")
            let healthy = try await health()
            #expect(healthy.state(at: clock.now) == .healthy && healthy.failureStreak == 0 && healthy.lastSuccessAt != nil, "\(healthy)")
        }
    }
}

/// The private-network guard of a server started without `--allow-private-targets`.
@Suite struct PrivateTargetTests {
    @Test(arguments: StoreKind.all) func privateURLsAreRefusedWhenSaved(_ store: StoreKind) async throws {
        try await TestServer.with(store, .init(allowsPrivateTargets: false)) { server in
            for url in [
                "http://127.0.0.1:9/h", "http://localhost/h", "http://[::1]:80/h", "http://10.1.2.3/h", "http://169.254.169.254/latest",
                "http://192.168.0.10/h", "http://[fc00::1]/h", "http://[::ffff:127.0.0.1]/h", "http://0.0.0.0/h",
            ] {
                let answer = try await server.api.post("/v1/endpoints", #"{"url":"\#(url)","eventTypes":["*"]}"#)
                #expect(answer.status == 400 && answer.errorField == "url" && answer.text.contains("private_target"), "\(url): \(answer.text)")
            }
            #expect(try await server.api.get("/v1/endpoints")["data"]?.arrayValue?.isEmpty == true, "nothing was stored")
            let id = try await server.createEndpoint(url: "https://example.com/hook")
            let patched = try await server.api.patch("/v1/endpoints/\(id)", #"{"url":"http://10.0.0.1/h"}"#)
            #expect(patched.status == 400 && patched.errorField == "url", "\(patched.text)")
        }
    }

    /// A name that resolves to this machine passes the save-time check, but no request goes to it.
    @Test(arguments: StoreKind.all) func aNameThatResolvesToLoopbackIsRefusedAtSendTime(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }
        let host = ProcessInfo.processInfo.hostName
        #expect(!host.isEmpty && host != "localhost", "the machine's host name is the name under test: \(host)")
        try await TestServer.with(store, .init(allowsPrivateTargets: false)) { server in
            _ = try await server.createEndpoint(url: "http://\(host):\(receiver.port)/hook", extra: #""retry":{"delays":[0.1]}"#)
            let eventID = try await server.publish()
            let delivery = try #require(try await server.deliveries(ofEvent: eventID).first)
            let done = try await server.waitForDelivery(delivery.string("id")!) { $0.state == "rejected" }
            let attempt = try #require(done.attempts.first)
            #expect(attempt.string("outcome") == "rejected" && attempt.int("responseStatus") == nil)
            #expect(attempt.string("error")?.contains("not a public address") == true, "\(String(describing: attempt.string("error")))")
            #expect(receiver.requests().isEmpty, "nothing reached the receiver")
        }
    }

    /// A batch refused by the guard takes its events' deliveries with it; none is left batched.
    @Test(arguments: StoreKind.all) func aRefusedBatchTakesItsDeliveriesWithIt(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }
        let host = ProcessInfo.processInfo.hostName
        try await TestServer.with(store, .init(allowsPrivateTargets: false)) { server in
            _ = try await server.createEndpoint(url: "http://\(host):\(receiver.port)/hook", extra: #""batch":{"maxSize":2}"#)
            let events = [try await server.publish(), try await server.publish()]
            for event in events {
                let delivery = try #require(try await server.deliveries(ofEvent: event).first)
                let done = try await server.waitForDelivery(delivery.string("id")!) { $0.state == "rejected" }
                #expect(done.string("batchId")?.hasPrefix("dlv_") == true)
            }
            #expect(receiver.requests().isEmpty)
        }
    }
}

/// `POST /v1/endpoints/{id}/test`: a receiver checked without waiting for real traffic.
@Suite struct EndpointTestEventTests {
    @Test(arguments: StoreKind.all) func aTestEventReachesTheOneEndpointSignedAndOnRecord(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            let id = try await server.createEndpoint(url: receiver.url + "/hook", eventTypes: ["case.*"])
            _ = try await server.createEndpoint(url: receiver.url + "/other", eventTypes: ["*"])
            let answer = try await server.api.post("/v1/endpoints/\(id)/test")
            #expect(answer.status == 202, "\(answer.text)")
            let deliveryID = try #require(answer["id"]?.stringValue)
            let request = try #require(try await receiver.waitForRequests(1).first)
            #expect(request.path == "/hook")
            #expect(request.json?.objectValue?["type"] == .string("courier.test"))
            #expect(request.json?.objectValue?["data"]?.objectValue?["endpointId"] == .string(id))
            #expect(request.header("webhook-signature") != nil)
            try await server.waitForDelivery(deliveryID) { $0.state == "succeeded" }
            try await Task.sleep(for: .milliseconds(100))
            // (A retry after a slow answer would repeat the same request; the other endpoint gets none.)
            #expect(receiver.requests(path: "/other").isEmpty, "the other endpoint got nothing")
            #expect(Set(receiver.requests().compactMap { $0.header("webhook-id") }).count == 1)

            #expect(try await server.api.post("/v1/endpoints/ep_nope/test").status == 404)
            #expect(try await server.api.post("/v1/endpoints/\(id)/pause").status == 200)
            let held = try await server.api.post("/v1/endpoints/\(id)/test")
            #expect(held.status == 202 && held["state"] == .string("pending"), "held while paused: \(held.text)")
        }
    }
}
