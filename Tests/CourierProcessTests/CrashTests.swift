import Courier
import CourierTesting
import Foundation
import Testing

/// Real processes, killed for real: what was accepted is delivered, whatever happens to the server.
@Suite(.serialized) struct CrashTests {
    /// How many deliveries (of `kind`, when given) are in each state, read through the API
    /// page by page until the count is `expected` or 20 s have passed: the last records may
    /// still be committing. Returns the last count.
    static func deliveryStates(_ api: APIClient, kind: String? = nil, until expected: [String: Int]) async throws -> [String: Int] {
        var states: [String: Int] = [:]
        let deadline = ContinuousClock.now + .seconds(20)
        repeat {
            states = [:]
            var cursor: String?
            repeat {
                let page = try await api.get("/v1/deliveries?limit=500" + (cursor.map { "&cursor=\($0)" } ?? ""))
                for item in page["data"]?.arrayValue ?? [] where kind == nil || item.objectValue?["kind"]?.stringValue == kind {
                    states[item.objectValue?["state"]?.stringValue ?? "?", default: 0] += 1
                }
                cursor = page["nextCursor"]?.stringValue
            } while cursor != nil
            if states == expected { break }
            try await Task.sleep(for: .milliseconds(50))
        } while ContinuousClock.now < deadline
        return states
    }

    /// With both durabilities: `full`, the default, acknowledges and hands out claims only once
    /// the log's flush is done (`SQLiteLogFlusher`), which must lose nothing at a kill either.
    @Test(arguments: ["normal", "full"])
    func everyAcceptedEventArrivesAfterSIGKILLAndRestart(durability: String) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = directory.path("courier.db")
        // A slowish receiver keeps deliveries in flight when the kill lands.
        let receiver = try await RecordingReceiver.start { _, _ in RecordingReceiver.Reply(delay: .milliseconds(20)) }
        defer { Task { await receiver.stop() } }

        let first = try CourierProcess(database: database, durability: durability)
        let api = try await first.start()
        let endpoint = try await api.post("/v1/endpoints", #"{"url":"\#(receiver.url)/hook","eventTypes":["*"],"maxInFlight":4}"#)
        #expect(endpoint.status == 201, "\(endpoint.text)")
        let accepted = try await ProcessTestEvents.publish(api, type: "crash.test", inArraysOf: Array(repeating: 50, count: 6))
        #expect(accepted.count == 300)
        try await receiver.waitForRequests(20)
        first.kill(SIGKILL)
        #expect(try await first.waitForExit() == SIGKILL)
        let beforeRestart = Set(receiver.requests().compactMap { $0.header("webhook-id") })
        #expect(beforeRestart.count < 300, "the kill should land while deliveries remain")

        let second = try CourierProcess(database: database, durability: durability)
        let restarted = try await second.start()
        let delivered = try await ProcessTestEvents.waitForAll(accepted, at: receiver, timeout: .seconds(60))
        #expect(delivered.isSuperset(of: accepted), "missing \(accepted.subtracting(delivered).count) events")
        // Duplicates are bounded by what was in flight or claimed at the kill (at least once).
        let duplicates = receiver.requests().count - delivered.count
        #expect(duplicates <= 8 + 4, "\(duplicates) duplicates")
        // And the records agree: every delivery succeeded (the last records may still be committing).
        let states = try await Self.deliveryStates(restarted, until: ["succeeded": 300])
        #expect(states == ["succeeded": 300], "\(states)")
        second.kill(SIGTERM)
        #expect(try await second.waitForExit() == 0)
    }

    @Test func sigtermLetsRequestsUnderWayFinishAndExitsZero() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = directory.path("courier.db")
        let receiver = try await RecordingReceiver.start { _, _ in RecordingReceiver.Reply(delay: .milliseconds(1500)) }
        defer { Task { await receiver.stop() } }

        let server = try CourierProcess(database: database)
        let api = try await server.start()
        _ = try await api.post("/v1/endpoints", #"{"url":"\#(receiver.url)/hook","eventTypes":["*"]}"#)
        let published = try await api.post("/v1/events", #"{"type":"slow.one","payload":{}}"#)
        let eventID = try #require(published["id"]?.stringValue)
        try await receiver.waitForRequests(1)
        server.kill(SIGTERM)
        #expect(try await server.waitForExit(timeout: .seconds(20)) == 0, "\(server.output)")
        // Its connections closed: the log was copied into the file and deleted.
        #expect(!FileManager.default.fileExists(atPath: database + "-wal"), "the log is left behind")

        // The request under way was answered and recorded before exit: nothing is sent again.
        let again = try CourierProcess(database: database)
        let restarted = try await again.start()
        let event = try await restarted.get("/v1/events/\(eventID)")
        let delivery = try #require(event["deliveries"]?.arrayValue?.first?.objectValue)
        #expect(delivery["state"]?.stringValue == "succeeded")
        #expect(delivery["attemptCount"] == .integer(1))
        try await Task.sleep(for: .milliseconds(500))
        #expect(receiver.requests().count == 1)
        again.kill(SIGTERM)
        #expect(try await again.waitForExit() == 0)
    }

    /// The first SIGTERM asks for a graceful shutdown, which may take the whole grace while a
    /// request is held; a second one stops the process at once (status 143, as SIGTERM's), and
    /// what was under way goes again after a restart, once its lease ends.
    @Test func aSecondSignalStopsAtOnceAndLosesNothing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = directory.path("courier.db")
        let receiver = try await RecordingReceiver.start { _, count in RecordingReceiver.Reply(delay: count == 0 ? .seconds(30) : .zero) }
        defer { Task { await receiver.stop() } }
        let options = ["--shutdown-grace", "600", "--request-timeout", "40", "--lease", "45", "--log-level", "notice"]
        let server = try CourierProcess(database: database, arguments: options)
        let api = try await server.start()
        _ = try await api.post("/v1/endpoints", #"{"url":"\#(receiver.url)/hook","eventTypes":["*"]}"#)
        let published = try await api.post("/v1/events", #"{"type":"slow.one","payload":{}}"#)
        let eventID = try #require(published["id"]?.stringValue)
        try await receiver.waitForRequests(1)
        server.kill(SIGTERM)
        try await server.waitForOutput("signal again to stop at once")
        server.kill(SIGTERM)
        // Well before the 600 s grace: only the second signal ends it this soon.
        #expect(try await server.waitForExit(timeout: .seconds(60)) == 143, "\(server.output)")
        #expect(server.output.contains("second signal: stopping now"), "\(server.output)")

        let again = try CourierProcess(database: database)
        let restarted = try await again.start()
        let states = try await Self.deliveryStates(restarted, until: ["succeeded": 1])
        #expect(states == ["succeeded": 1], "\(states)")
        let event = try await restarted.get("/v1/events/\(eventID)")
        #expect(event["deliveries"]?.arrayValue?.count == 1)
        again.kill(SIGTERM)
        #expect(try await again.waitForExit() == 0)
    }

    /// Requests still under way when the shutdown grace ends are cut off, recorded as failed
    /// attempts (they reached the receiver) and their leases ended: once started again the
    /// deliveries go at once, not after their leases (a minute here) run out. Before, the
    /// records of the cut-off requests were lost and their leases stayed.
    @Test func requestsCutOffAtTheEndOfTheGraceAreRecordedAndGoAgain() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await ShutdownCutOff.check(store: ["--db", directory.path("courier.db"), "--durability", "normal"])
    }

    /// Courier needs no privilege to deliver. The client once asked for TCP_NODELAY at the
    /// socket level, which is SO_DEBUG there: root may set it, and for anyone else every
    /// connection failed with EACCES. The tests run as root, so this one runs the server as
    /// `nobody` (as it runs, the test's own user is unprivileged and every delivery test covers it).
    @Test func aServerRunByAnUnprivilegedUserDelivers() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }
        let server = try CourierProcess(database: directory.path("courier.db"))
        if getuid() == 0 {
            #expect(chmod(directory.url.path, 0o777) == 0)
            server.launcher = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
        }
        let api = try await server.start()
        _ = try await api.post("/v1/endpoints", #"{"url":"\#(receiver.url)/hook","eventTypes":["*"]}"#)
        _ = try await api.post("/v1/events", #"{"type":"case.updated","payload":{}}"#)
        try await receiver.waitForRequests(1)
        let delivery = try await api.get("/v1/deliveries")["data"]?.arrayValue?.first?.objectValue
        #expect(delivery?["lastError"] == nil || delivery?["lastError"] == .null, "\(delivery as Any)")
        server.kill(SIGTERM)
        #expect(try await server.waitForExit() == 0, "\(server.output)")
    }

    @Test func aSecondProcessCannotOpenTheSameDatabase() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = directory.path("courier.db")
        let first = try CourierProcess(database: database)
        _ = try await first.start()
        let second = try CourierProcess(database: database)
        await #expect(throws: ProcessFailure.self) { _ = try await second.start() }
        #expect(second.output.contains("in use by another Courier process"), "\(second.output)")
        // Nor through a symbolic link to it, or to its folder.
        let linkedFolder = directory.path("linked")
        #expect(symlink(directory.url.path, linkedFolder) == 0)
        #expect(symlink(database, directory.path("link.db")) == 0)
        for alias in [directory.path("link.db"), linkedFolder + "/courier.db"] {
            let third = try CourierProcess(database: alias)
            await #expect(throws: ProcessFailure.self) { _ = try await third.start() }
            #expect(third.output.contains("in use by another Courier process"), "\(alias): \(third.output)")
        }
        first.kill(SIGTERM)
        #expect(try await first.waitForExit() == 0)
    }

    /// A batching endpoint's events wait in open batches, some full and some filling, and some
    /// batches are under way when the kill lands: after a restart every event arrives, in
    /// batches no larger than the policy allows, and every delivery ends succeeded.
    @Test func aKillWithBatchesOpenAndUnderWayLosesNoEvent() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = directory.path("courier.db")
        // One batch at a time, each taking a while, so that full batches wait behind it.
        let receiver = try await RecordingReceiver.start { _, _ in RecordingReceiver.Reply(delay: .milliseconds(150)) }
        defer { Task { await receiver.stop() } }

        let first = try CourierProcess(database: database)
        let api = try await first.start()
        let endpoint = try await api.post(
            "/v1/endpoints",
            #"{"url":"\#(receiver.url)/hook","eventTypes":["*"],"maxInFlight":1,"batch":{"maxSize":40,"maxWaitMs":2000}}"#
        )
        #expect(endpoint.status == 201, "\(endpoint.text)")
        // Arrays of 50 and of 7: batches fill across publishes, and the last one is left filling.
        let accepted = try await ProcessTestEvents.publish(api, type: "crash.batch", inArraysOf: [50, 7, 50, 7, 50, 7, 50])
        #expect(accepted.count == 221)
        let eventsIn: @Sendable (RecordingReceiver.Request) -> [String] = { request in
            request.json?.arrayValue?.compactMap { $0.objectValue?["id"]?.stringValue } ?? []
        }
        try await receiver.waitForRequests(1)
        first.kill(SIGKILL)
        #expect(try await first.waitForExit() == SIGKILL)
        #expect(Set(receiver.requests().flatMap(eventsIn)).count < 221, "the kill should land while batches wait")

        let second = try CourierProcess(database: database)
        let restarted = try await second.start()
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, !Set(receiver.requests().flatMap(eventsIn)).isSuperset(of: accepted) {
            try await Task.sleep(for: .milliseconds(50))
        }
        let requests = receiver.requests()
        #expect(Set(requests.flatMap(eventsIn)) == accepted, "every event arrived")
        #expect(requests.allSatisfy { eventsIn($0).count <= 40 }, "no batch over its size: \(requests.map { eventsIn($0).count })")
        // At most the batch under way at the kill went twice, with its id.
        let batchIDs = requests.compactMap { $0.header("webhook-id") }
        #expect(batchIDs.count - Set(batchIDs).count <= 1, "\(batchIDs.count - Set(batchIDs).count) batches sent twice")
        let states = try await Self.deliveryStates(restarted, kind: "event", until: ["succeeded": 221])
        #expect(states == ["succeeded": 221], "\(states)")
        second.kill(SIGTERM)
        #expect(try await second.waitForExit() == 0)
    }

    @Test func aKillBetweenBatchesOfAMessageLosesNoTransmission() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = directory.path("courier.db")
        // One batch at a time, each taking a while, so the kill lands between batches.
        let backend = try await RecordingReceiver.start { _, _ in RecordingReceiver.Reply(delay: .milliseconds(150)) }
        defer { Task { await backend.stop() } }
        let identities = (0..<1000).map { "+2547\(String(format: "%05d", $0))" }

        let first = try CourierProcess(database: database)
        let api = try await first.start()
        let endpoint = try await api.post(
            "/v1/endpoints", #"{"name":"gw","url":"\#(backend.url)/send","eventTypes":[],"maxInFlight":1,"batch":{"maxSize":100}}"#
        )
        #expect(endpoint.status == 201, "\(endpoint.text)")
        let to = identities.map { #"{"backend":"gw","identity":"\#($0)"}"# }.joined(separator: ",")
        let sent = try await api.post("/v1/messages", #"{"text":"Vaccination day","to":[\#(to)]}"#)
        #expect(sent.status == 202, "\(sent.text)")
        let id = try #require(sent["id"]?.stringValue)
        try await backend.waitForRequests(3)
        first.kill(SIGKILL)
        #expect(try await first.waitForExit() == SIGKILL)
        let identitiesIn: @Sendable (RecordingReceiver.Request) -> [String] = { request in
            request.json?.objectValue?["identities"]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        #expect(Set(backend.requests().flatMap(identitiesIn)).count < 1000, "the kill should land while batches remain")

        let second = try CourierProcess(database: database)
        let restarted = try await second.start()
        let deadline = ContinuousClock.now + .seconds(60)
        var status = ""
        while ContinuousClock.now < deadline {
            status = try await restarted.get("/v1/messages/\(id)")["status"]?.stringValue ?? ""
            if status == "sent" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(status == "sent")
        let arrived = backend.requests().flatMap(identitiesIn)
        #expect(Set(arrived) == Set(identities), "every recipient got it")
        // At most the batch under way at the kill went twice.
        #expect(arrived.count - 1000 <= 100, "\(arrived.count - 1000) sent twice")
        let message = try await restarted.get("/v1/messages/\(id)")
        #expect(message["counts"] == .object(["sent": 1000]), "\(message.text.prefix(300))")
        second.kill(SIGTERM)
        #expect(try await second.waitForExit() == 0)
    }

    @Test func aBulkOperationKilledPartWayGoesOnAfterRestartAndActsOnEachDeliveryOnce() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = directory.path("courier.db")
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }

        let first = try CourierProcess(database: database)
        let api = try await first.start()
        let endpoint = try await api.post("/v1/endpoints", #"{"url":"\#(receiver.url)/hook","eventTypes":["*"]}"#)
        let endpointID = try #require(endpoint["id"]?.stringValue)
        #expect(try await api.post("/v1/endpoints/\(endpointID)/pause").status == 200)
        let count = 20_000
        let events = "[" + Array(repeating: #"{"type":"bulk.test","payload":{}}"#, count: 1000).joined(separator: ",") + "]"
        for _ in 0..<(count / 1000) {
            #expect(try await api.post("/v1/events", events).status == 202)
        }

        let started = try await api.post("/v1/operations", #"{"action":"cancel","filter":{"endpoint":"\#(endpointID)"}}"#)
        let id = try #require(started["id"]?.stringValue)
        #expect(started["total"] == .integer(count))
        // Kill it once the first chunks are done, while the rest are not.
        var seen = 0
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            seen = Int((try await api.get("/v1/operations/\(id)"))["matched"]?.doubleValue ?? 0)
            if seen > 0 { break }
            try await Task.sleep(for: .milliseconds(2))
        }
        first.kill(SIGKILL)
        #expect(try await first.waitForExit() == SIGKILL)
        #expect(seen > 0 && seen < count, "the kill should land part way: \(seen) of \(count)")

        let second = try CourierProcess(database: database)
        let restarted = try await second.start()
        var operation = JSONObject()
        let finishDeadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < finishDeadline {
            operation = try await restarted.get("/v1/operations/\(id)").json.objectValue ?? JSONObject()
            if operation["status"]?.stringValue == "finished" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        // Walked once each: a chunk done twice would have matched more than there are.
        #expect(operation["status"]?.stringValue == "finished", "\(operation)")
        #expect(operation["matched"] == .integer(count) && operation["changed"] == .integer(count), "\(operation)")
        let pending = try await restarted.get("/v1/deliveries?state=pending&limit=1")
        #expect(pending["data"]?.arrayValue?.isEmpty == true, "none left pending")
        #expect(receiver.requests().isEmpty, "cancelled while paused: nothing sent")
        second.kill(SIGTERM)
        #expect(try await second.waitForExit() == 0)
    }
}
