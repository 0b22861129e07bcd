import Courier
import CourierTesting
import Foundation
import Synchronization
import Testing

/// Batching end to end: a real server, each store, a real receiver on loopback.
@Suite struct BatchDeliveryTests {
    /// Publishes `count` events in one request and returns their ids in order.
    static func publish(_ server: TestServer, count: Int) async throws -> [String] {
        let items = (0..<count).map { #"{"type":"case.updated","payload":{"i":\#($0)}}"# }.joined(separator: ",")
        let answer = try await server.api.post("/v1/events", "[\(items)]")
        #expect(answer.status == 202, "\(answer.text)")
        return answer.json.arrayValue?.compactMap { $0.objectValue?["id"]?.stringValue } ?? []
    }

    /// The event ids in a batch request's body, in order.
    static func eventIDs(_ request: RecordingReceiver.Request) -> [String] {
        request.json?.arrayValue?.compactMap { $0.objectValue?["id"]?.stringValue } ?? []
    }

    @Test(arguments: StoreKind.all) func sizeSendsFullBatchesAndTimeSendsTheRest(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            let endpointID = try await server.createEndpoint(url: receiver.url + "/hook", extra: #""batch":{"maxSize":3,"maxWaitMs":400}"#)
            let publishedBefore = Date()
            let events = try await Self.publish(server, count: 7)
            // Two full batches and the rest on time, in whatever order they land (batches go side
            // by side, and on a loaded machine the first claim may come late).
            let requests = try await receiver.waitForRequests(3)
            let batches = requests.map { Self.eventIDs($0) }.sorted { $0.first ?? "" < $1.first ?? "" }
            #expect(batches == [Array(events[0..<3]), Array(events[3..<6]), [events[6]]])
            let last = try #require(requests.first { Self.eventIDs($0) == [events[6]] })
            // Never before its wait is over (it may go later than that on a loaded machine).
            #expect(last.receivedAt.timeIntervalSince(publishedBefore) > 0.39)
            let batchIDs = requests.compactMap { $0.header("webhook-id") }
            let carrier = try #require(requests.first { Self.eventIDs($0).contains(events[4]) }?.header("webhook-id"))
            #expect(Set(batchIDs).count == 3 && batchIDs.allSatisfy { $0.hasPrefix("dlv_") }, "\(batchIDs)")
            for request in requests {
                #expect(request.header("content-type") == "application/json")
                #expect(request.header("webhook-signature")?.hasPrefix("v1,") == true)
                #expect(request.bodyText.hasPrefix(#"[{"id":"evt_"#))
            }
            // Each event's delivery names its batch; the batch is a delivery of its own.
            let delivery = try #require(try await server.deliveries(ofEvent: events[4]).first)
            let done = try await server.waitForDelivery(delivery.string("id")!) { $0.state == "succeeded" }
            #expect(done.string("batchId") == carrier && done.string("kind") == "event")
            let batch = try await server.waitForDelivery(carrier) { $0.state == "succeeded" }
            #expect(batch.string("kind") == "batch" && batch.string("endpointId") == endpointID && batch.attempts.count == 1)
            let members = try await server.api.get("/v1/deliveries?batch=\(carrier)")
            #expect(members["data"]?.arrayValue?.count == 3, "\(members.text)")
        }
    }

    @Test(arguments: StoreKind.all) func aPartialFailureRetriesOnlyTheListedEvents(_ store: StoreKind) async throws {
        let failedOnce = Mutex<String?>(nil)
        let receiver = try await RecordingReceiver.start { request, count in
            // The first batch: take all but its second event.
            guard count == 0, let second = BatchDeliveryTests.eventIDs(request).dropFirst().first else { return .ok }
            failedOnce.withLock { $0 = second }
            return RecordingReceiver.Reply(status: 200, body: #"{"failed":["\#(second)"]}"#)
        }
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            _ = try await server.createEndpoint(
                url: receiver.url + "/hook", extra: #""batch":{"maxSize":4,"maxWaitMs":100},"retry":{"delays":[0.2]}"#
            )
            let events = try await Self.publish(server, count: 4)
            let requests = try await receiver.waitForRequests(2)
            #expect(Self.eventIDs(requests[0]) == events)
            #expect(Self.eventIDs(requests[1]) == [events[1]], "only the listed event is sent again")
            #expect(requests[0].header("webhook-id") != requests[1].header("webhook-id"), "in a batch of its own")
            try await Task.sleep(for: .milliseconds(500))
            #expect(receiver.requests().count == 2, "nothing else is sent again")
            for (index, event) in events.enumerated() {
                let delivery = try #require(try await server.deliveries(ofEvent: event).first)
                let done = try await server.waitForDelivery(delivery.string("id")!) { $0.state == "succeeded" }
                #expect(done.int("attemptCount") == (index == 1 ? 2 : 1))
            }
        }
    }

    /// With `maxSize` alone, deliveries due again on their own (a member listed as failed, a test
    /// event) go once due: new events join open batches instead, so they would never make up
    /// `maxSize` and would wait forever.
    @Test(arguments: StoreKind.all) func withMaxSizeAloneWhatIsDueAgainGoesWithoutWaitingToFill(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start { request, count in
            guard count == 0, let second = BatchDeliveryTests.eventIDs(request).dropFirst().first else { return .ok }
            return RecordingReceiver.Reply(status: 200, body: #"{"failed":["\#(second)"]}"#)
        }
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            let endpointID = try await server.createEndpoint(
                url: receiver.url + "/hook", extra: #""batch":{"maxSize":3},"retry":{"delays":[0.2]}"#
            )
            let events = try await Self.publish(server, count: 3)
            let requests = try await receiver.waitForRequests(2)
            #expect(Self.eventIDs(requests[0]) == events)
            #expect(Self.eventIDs(requests[1]) == [events[1]], "the listed event goes again, alone")
            let test = try await server.api.post("/v1/endpoints/\(endpointID)/test")
            #expect(test.status == 202, "\(test.text)")
            let sent = try await receiver.waitForRequests(3)
            #expect(Self.eventIDs(sent[2]).count == 1, "the test event, in a batch of its own")
            let delivery = try #require(try await server.deliveries(ofEvent: events[1]).first)
            #expect(try await server.waitForDelivery(delivery.string("id")!) { $0.state == "succeeded" }.int("attemptCount") == 2)
        }
    }

    @Test(arguments: StoreKind.all) func aFailedBatchIsRetriedWholeWithTheSameID(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start { _, count in
            count == 0 ? RecordingReceiver.Reply(status: 503, body: "busy") : .ok
        }
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            _ = try await server.createEndpoint(url: receiver.url + "/hook", extra: #""batch":{"maxSize":2},"retry":{"delays":[0.2]}"#)
            let events = try await Self.publish(server, count: 2)
            let requests = try await receiver.waitForRequests(2)
            #expect(requests.map { Self.eventIDs($0) } == [events, events])
            #expect(requests[0].header("webhook-id") == requests[1].header("webhook-id"))
        }
    }

    /// An event's delivery joins a batch when it is published, and the batch waits, pending, to
    /// fill. Turning batching off gives the batch's deliveries back, and they go one by one.
    @Test(arguments: StoreKind.all) func anOpenBatchWaitsToFillAndTurningBatchingOffSendsItsEventsAlone(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            let endpointID = try await server.createEndpoint(url: receiver.url + "/hook", extra: #""batch":{"maxSize":5}"#)
            let events = try await Self.publish(server, count: 2)
            var batchIDs: Set<String> = []
            for event in events {
                let delivery = try #require(try await server.deliveries(ofEvent: event).first)
                #expect(delivery.state == "batched", "\(delivery)")
                batchIDs.insert(try #require(delivery.string("batchId")))
            }
            #expect(batchIDs.count == 1, "both in one batch: \(batchIDs)")
            let batchID = try #require(batchIDs.first)
            let batch = try await server.api.get("/v1/deliveries/\(batchID)")
            #expect(batch.status == 200 && batch["kind"]?.stringValue == "batch" && batch["state"]?.stringValue == "pending", "\(batch.text)")
            #expect(batch["nextAttemptAt"] == .null, "no time set while it waits to fill: \(batch.text)")

            let patched = try await server.api.patch("/v1/endpoints/\(endpointID)", #"{"batch":null}"#)
            #expect(patched.status == 200, "\(patched.text)")
            let requests = try await receiver.waitForRequests(2)
            #expect(requests.allSatisfy { $0.bodyText.hasPrefix(#"{"id":"evt_"#) }, "each event alone, not in an array")
            #expect(Set(requests.compactMap { $0.json?.objectValue?["id"]?.stringValue }) == Set(events))
            #expect(try await server.api.get("/v1/deliveries/\(batchID)").status == 404, "the batch that never went is gone")
            for event in events {
                let delivery = try #require(try await server.deliveries(ofEvent: event).first)
                let done = try await server.waitForDelivery(delivery.string("id")!) { $0.state == "succeeded" }
                #expect(done.string("batchId") == nil && done.int("attemptCount") == 1, "\(done)")
            }
        }
    }

    @Test(arguments: StoreKind.all) func badBatchSettingsAreRefused(_ store: StoreKind) async throws {
        try await TestServer.with(store) { server in
            for (batch, field) in [
                (#"{}"#, "batch"), (#"{"maxSize":0}"#, "batch.maxSize"), (#"{"maxSize":1001}"#, "batch.maxSize"),
                (#"{"maxWaitMs":-5}"#, "batch.maxWaitMs"), (#"{"maxSize":2,"extra":1}"#, "batch.extra"), (#""200""#, "batch"),
            ] {
                let answer = try await server.api.post("/v1/endpoints", #"{"url":"http://127.0.0.1:9/h","eventTypes":["*"],"batch":\#(batch)}"#)
                #expect(answer.status == 400, "\(batch): \(answer.text)")
                #expect(answer.text.contains(field), "\(batch): \(answer.text)")
            }
            let list = try await server.api.get("/v1/endpoints")
            #expect(list["data"]?.arrayValue?.isEmpty == true, "nothing was stored")
            // Set, shown, and turned off again.
            let id = try await server.createEndpoint(url: "http://127.0.0.1:9/h", extra: #""batch":{"maxWaitMs":250}"#)
            #expect(try await server.api.get("/v1/endpoints/\(id)")["batch"] == .object(JSONObject(["maxWaitMs": .integer(250)])))
            let patched = try await server.api.patch("/v1/endpoints/\(id)", #"{"batch":null}"#)
            #expect(patched.status == 200 && patched["batch"] == .null, "\(patched.text)")
        }
    }
}
