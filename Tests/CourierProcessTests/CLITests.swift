import Courier
import CourierTesting
import Foundation
import Testing

/// The everyday commands, run as the `courier` executable against a running `courier serve`
/// and real receivers on loopback: what they print, what they change, and how they fail.
@Suite struct CLITests {
    /// Each command offers only the options it uses: a worker has no file of its own, and
    /// `migrate` always applies the schema. An empty `--db` is refused, not opened.
    @Test func commandsOfferOnlyTheOptionsTheyUse() async throws {
        let worker = try await ExternalCommand.run([CourierProcess.binary, "worker", "--help"])
        #expect(worker.text.contains("--postgres") && worker.text.contains("--no-migrate"), "\(worker.text)")
        #expect(!worker.text.contains("--db") && !worker.text.contains("--durability"), "\(worker.text)")
        let migrate = try await ExternalCommand.run([CourierProcess.binary, "migrate", "--help"])
        #expect(migrate.text.contains("--db") && !migrate.text.contains("--no-migrate"), "\(migrate.text)")
        let serve = try await ExternalCommand.run([CourierProcess.binary, "serve", "--help"])
        #expect(serve.text.contains("--db") && serve.text.contains("--no-migrate"), "\(serve.text)")
        // As the README writes them.
        for help in [serve, migrate] {
            let words = help.text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(words.contains("default: full. (values: full, normal)"), "\(help.text)")
        }
        for refused in [["worker"], ["worker", "--db", "x.db"], ["serve", "--db", ""]] {
            let run = try await ExternalCommand.run([CourierProcess.binary] + refused)
            #expect(run.status != 0, "\(refused): \(run.text)")
        }
        let version = try await ExternalCommand.run([CourierProcess.binary, "--version"])
        #expect(version.status == 0 && version.text == Courier.version + "\n", "the version /healthz gives: \(version.text)")
        // Options of the other store are refused, not quietly ignored.
        let postgres = ["--postgres", "postgres://nobody@127.0.0.1:1/none"]
        for (command, refused) in [
            (["serve", "--db", "x.db"] + postgres, "--db and --postgres"), (["migrate", "--durability", "normal"] + postgres, "--durability is SQLite's"),
            (["serve", "--db", "x.db", "--no-migrate"], "--no-migrate is for PostgreSQL"),
        ] {
            let run = try await ExternalCommand.run([CourierProcess.binary] + command)
            #expect(run.status == 64 && run.text.contains(refused), "\(command): \(run.text)")
        }
        // Durations that would overflow a clock are a usage error, not a crash.
        for (option, value) in [("request-timeout", "inf"), ("connect-timeout", "1e20"), ("shutdown-grace", "inf"), ("metrics-interval", "inf")] {
            let run = try await ExternalCommand.run([CourierProcess.binary, "serve", "--db", "unused.db", "--\(option)", value])
            #expect(run.status == 64 && run.text.contains("--\(option) must be"), "\(option) \(value): \(run.text)")
        }
        for value in ["-1", "inf", "nan", "36501"] {
            let run = try await ExternalCommand.run([CourierProcess.binary, "serve", "--db", "unused.db", "--retention-days=\(value)"])
            #expect(run.status == 64 && run.text.contains("--retention-days must be"), "\(value): \(run.text)")
        }
    }

    @Test func endpointsCreateListPauseResumeAndTest() async throws {
        let fixture = try await CLIFixture.start()
        defer { fixture.stop() }
        let receiver = fixture.receiver

        let created = try await fixture.courier(
            "endpoints", "create", "--target", "\(receiver.url)/hook", "--event-type", "case.*", "--event-type", "order.created",
            "--name", "crm"
        )
        #expect(created.status == 0, "\(created)")
        let id = try #require(created.field("id"))
        #expect(id.hasPrefix("ep_"))
        let stored = try await fixture.api.get("/v1/endpoints/\(id)")
        #expect(stored["url"] == .string("\(receiver.url)/hook"))
        #expect(stored["eventTypes"] == .array(["case.*", "order.created"]))
        #expect(stored["name"] == "crm")
        // The secret is printed once, on creation, as the API shows it.
        #expect(created.field("secret") == stored["secret"]?.stringValue)

        let table = try await fixture.courier("endpoints", "list")
        #expect(table.status == 0, "\(table)")
        #expect(table.lines.first?.hasPrefix("ID") == true && table.lines.first?.contains("EVENT TYPES") == true, "\(table)")
        let row = try #require(table.lines.first { $0.hasPrefix(id) }, "\(table)")
        #expect(row.contains("crm") && row.contains("active") && row.contains("case.*,order.created") && row.contains("\(receiver.url)/hook"))

        let json = try await fixture.courier("endpoints", "list", "--json")
        #expect(json.status == 0, "\(json)")
        let listed = try #require(json["data"]?.arrayValue)
        #expect(listed.map { $0.objectValue?["id"] } == [.string(id)])
        #expect(listed.first?.objectValue?["secret"] == nil, "lists leave secrets out")

        let paused = try await fixture.courier("endpoints", "pause", id, "--reason", "receiver maintenance")
        #expect(paused.status == 0, "\(paused)")
        #expect(paused.output == "\(id) paused (receiver maintenance)\n")
        #expect(try await fixture.api.get("/v1/endpoints/\(id)")["status"] == "paused")

        // Sent while paused, the test event waits; resuming releases it.
        let test = try await fixture.courier("endpoints", "test", id)
        #expect(test.status == 0, "\(test)")
        let deliveryID = try #require(test.output.split(separator: " ").first { $0.hasPrefix("dlv_") }.map(String.init), "\(test)")
        #expect(try await fixture.api.get("/v1/deliveries/\(deliveryID)")["state"] == "pending")

        let resumed = try await fixture.courier("endpoints", "resume", id)
        #expect(resumed.output == "\(id) active\n", "\(resumed)")
        let request = try #require(try await receiver.waitForRequests(1, path: "/hook").first)
        let envelope = try #require(request.json?.objectValue)
        #expect(envelope["type"] == "courier.test")
        #expect(envelope["data"]?.objectValue?["endpointId"] == .string(id))
        #expect(request.header("webhook-id") != nil)

        // --tenant lets the admin token act in another tenant, and only there.
        #expect(try await fixture.api.post("/v1/tenants", #"{"id":"acme"}"#).status == 201)
        let other = try await fixture.courier("endpoints", "create", "--tenant", "acme", "--target", "\(receiver.url)/acme", "--json")
        #expect(other.status == 0, "\(other)")
        #expect(other.errors.contains("subscribes to no event type"), "a likely mistake is pointed out: \(other)")
        let otherID = try #require(other["id"]?.stringValue)
        let acme = try await fixture.courier("endpoints", "list", "--tenant", "acme", "--json")
        #expect(acme["data"]?.arrayValue?.map { $0.objectValue?["id"] } == [.string(otherID)])
        let unknown = try await fixture.courier("endpoints", "list", "--tenant", "nobody")
        #expect(unknown.status != 0)
        #expect(unknown.errors == "error: tenant nobody not found (tenant_not_found)\n", "\(unknown)")
    }

    @Test func eventsPublishFromAnArgumentStandardInputAndAFile() async throws {
        let fixture = try await CLIFixture.start()
        defer { fixture.stop() }
        let receiver = fixture.receiver
        let endpointID = try await fixture.endpoint(url: "\(receiver.url)/hook", eventTypes: #"["case.*"]"#)

        let one = try await fixture.courier("events", "publish", "--type", "case.updated", "--key", "case-42", #"{"caseId":"42","score":1.50}"#)
        #expect(one.status == 0, "\(one)")
        #expect(one.output.hasPrefix("evt_") && one.output.hasSuffix(" published: 1 deliveries\n"), "\(one)")
        let first = try #require(try await receiver.waitForRequests(1, path: "/hook").first)
        // The payload arrives as it was written: key order and number text kept.
        #expect(first.bodyText.contains(#""type":"case.updated""#) && first.bodyText.contains(#""data":{"caseId":"42","score":1.50}"#), "\(first.bodyText)")
        #expect(first.header("webhook-id") == one.output.split(separator: " ").first.map(String.init))

        let piped = try await fixture.courier("events", "publish", "--type", "case.created", "--json", input: #"{"from":"stdin"}"#)
        #expect(piped.status == 0, "\(piped)")
        #expect(piped["deliveries"] == 1 && piped["duplicate"] == false, "\(piped)")
        let second = try await receiver.waitForRequests(2, path: "/hook")
        #expect(second.contains { $0.bodyText.contains(#""data":{"from":"stdin"}"#) })

        let again = try await fixture.courier("events", "publish", "--type", "case.created", "--idempotency-key", "once", "{}")
        let repeated = try await fixture.courier("events", "publish", "--type", "case.created", "--idempotency-key", "once", "{}")
        #expect(again.status == 0 && repeated.status == 0)
        #expect(repeated.output.contains("already published with this idempotency key"), "\(repeated)")
        #expect(repeated.output.prefix(30) == again.output.prefix(30))

        // A file of 1,500 events goes in two requests, with progress on standard error.
        let events = (0..<1500).map { #"{"type":"case.bulk","key":"k\#($0)","payload":{"n":\#($0)}}"# }
        let file = fixture.directory.path("events.json")
        try Data(("[" + events.joined(separator: ",\n") + "]").utf8).write(to: URL(fileURLWithPath: file))
        let bulk = try await fixture.courier("events", "publish", "--file", file)
        #expect(bulk.status == 0, "\(bulk)")
        #expect(bulk.output == "published 1500 events: 1500 new, 0 duplicates, 1500 deliveries\n", "\(bulk)")
        #expect(bulk.errors == "published 1000 of 1500 events\npublished 1500 of 1500 events\n", "\(bulk)")
        let all = try await receiver.waitForRequests(1503, path: "/hook", timeout: .seconds(60))
        let numbers = Set(all.compactMap { $0.json?.objectValue?["data"]?.objectValue?["n"]?.doubleValue }.map(Int.init))
        #expect(numbers == Set(0..<1500))

        // The whole file is checked first: one bad event, and none of them is published.
        var bad = events
        bad[1200] = #"{"type":"no spaces allowed"}"#
        try Data(("[" + bad.joined(separator: ",") + "]").utf8).write(to: URL(fileURLWithPath: file))
        let refused = try await fixture.courier("events", "publish", "--file", file)
        #expect(refused.status != 0)
        #expect(refused.errors.hasPrefix("error: ") && refused.errors.hasSuffix(", [1200].type)\n"), "\(refused)")
        var count = try await fixture.deliveryCount(endpoint: endpointID)
        #expect(count == 1503)

        // Requests are cut by size too: 1,000 events of 1.5 KB would be over the server's 1 MiB.
        let padding = String(repeating: "p", count: 1500)
        let large = (0..<1200).map { #"{"type":"case.large","payload":{"n":\#($0),"pad":"\#(padding)"}}"# }
        try Data(("[" + large.joined(separator: ",") + "]").utf8).write(to: URL(fileURLWithPath: file))
        let sized = try await fixture.courier("events", "publish", "--file", file)
        #expect(sized.status == 0, "\(sized)")
        #expect(sized.output == "published 1200 events: 1200 new, 0 duplicates, 1200 deliveries\n", "\(sized)")
        #expect(sized.errors.split(separator: "\n").count >= 2, "in several requests: \(sized)")
        // And an event no request could carry is refused before anything is sent.
        var oversized = large
        oversized[900] = #"{"type":"case.large","payload":{"pad":"\#(String(repeating: "p", count: 2_000_000))"}}"#
        try Data(("[" + oversized.joined(separator: ",") + "]").utf8).write(to: URL(fileURLWithPath: file))
        let tooBig = try await fixture.courier("events", "publish", "--file", file)
        #expect(tooBig.status != 0)
        #expect(tooBig.errors.contains("event #900 is") && tooBig.errors.contains("Nothing was published"), "\(tooBig)")
        count = try await fixture.deliveryCount(endpoint: endpointID)
        #expect(count == 1503 + 1200, "nothing more was published")
    }

    @Test func deliveriesListShowAndRetryAfterTheRetriesRanOut() async throws {
        let fixture = try await CLIFixture.start { _, _ in RecordingReceiver.Reply(status: 500) }
        defer { fixture.stop() }
        let receiver = fixture.receiver
        let endpointID = try await fixture.endpoint(
            url: "\(receiver.url)/flaky", eventTypes: #"["order.*"]"#, extra: #","retry":{"delays":[0.05]}"#
        )
        for n in 1...2 {
            let published = try await fixture.courier("events", "publish", "--type", "order.created", #"{"n":\#(n)}"#)
            #expect(published.status == 0, "\(published)")
        }
        try await fixture.waitForDeliveries(endpoint: endpointID, count: 2, toBe: "exhausted")

        let table = try await fixture.courier("deliveries", "list", "--endpoint", endpointID)
        #expect(table.status == 0, "\(table)")
        #expect(table.lines.first?.split(separator: " ", omittingEmptySubsequences: true) == ["ID", "STATE", "ENDPOINT", "EVENT", "ATTEMPTS", "LAST", "CREATED"])
        let rows = table.lines.dropFirst()
        #expect(rows.count == 2, "\(table)")
        for row in rows {
            let cells = row.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            #expect(cells[0].hasPrefix("dlv_") && cells[1] == "exhausted" && cells[2] == endpointID && cells[3].hasPrefix("evt_"))
            #expect(cells[4] == "2" && cells[5] == "500", "\(row)")
        }

        let json = try await fixture.courier("deliveries", "list", "--endpoint", endpointID, "--state", "exhausted", "--json")
        let deliveries = (json["data"]?.arrayValue ?? []).compactMap(\.objectValue)
        #expect(deliveries.count == 2, "\(json)")
        let byType = try await fixture.courier("deliveries", "list", "--type", "order.created", "--json")
        #expect(byType["data"]?.arrayValue?.count == 2, "by event type: \(byType)")
        let otherType = try await fixture.courier("deliveries", "list", "--type", "order.cancelled", "--json")
        #expect(otherType["data"]?.arrayValue?.isEmpty == true, "\(otherType)")
        let none = try await fixture.courier("deliveries", "list", "--endpoint", endpointID, "--state", "succeeded")
        #expect(none.status == 0 && none.output.isEmpty && none.errors == "no deliveries match\n", "\(none)")

        // One page, and a hint that there are more; --all follows the cursor.
        let page = try await fixture.courier("deliveries", "list", "--endpoint", endpointID, "--limit", "1")
        #expect(page.lines.count == 2 && page.errors.contains("--all"), "\(page)")
        let all = try await fixture.courier("deliveries", "list", "--endpoint", endpointID, "--limit", "1", "--all", "--json")
        #expect(all["data"]?.arrayValue?.count == 2 && all["nextCursor"] == .null, "\(all)")

        let deliveryID = try #require(deliveries.first?["id"]?.stringValue)
        let shown = try await fixture.courier("deliveries", "show", deliveryID)
        #expect(shown.status == 0, "\(shown)")
        #expect(shown.field("state") == "exhausted" && shown.field("endpointId") == endpointID, "\(shown)")
        let attempts = shown.lines.filter { $0.hasPrefix("1 ") || $0.hasPrefix("2 ") }.map { $0.split(separator: " ").map(String.init) }
        #expect(attempts.count == 2 && attempts.allSatisfy { $0[4] == "500" && $0[5] == "failed" }, "\(shown)")
        let shownJSON = try await fixture.courier("deliveries", "show", deliveryID, "--json")
        #expect(shownJSON["attempts"]?.arrayValue?.count == 2)

        // The receiver is fixed; retry requeues what ran out (and what was rejected: nothing here).
        receiver.respond { _, _ in .ok }
        let retried = try await fixture.courier("deliveries", "retry", "--endpoint", endpointID)
        #expect(retried.status == 0, "\(retried)")
        #expect(retried.output == "exhausted: 2 matched, 2 requeued\nrejected: 0 matched, 0 requeued\n", "\(retried)")
        try await fixture.waitForDeliveries(endpoint: endpointID, count: 2, toBe: "succeeded")
        #expect(receiver.requests(path: "/flaky").count == 6)

        let again = try await fixture.courier("deliveries", "retry", "--endpoint", endpointID, "--state", "exhausted", "--json")
        let requeued = again.json.arrayValue?.first?.objectValue
        #expect(again.json.arrayValue?.count == 1 && requeued?["matched"] == 0 && requeued?["changed"] == 0, "\(again)")
        // Both states: one JSON document still, an array of the two operations.
        let both = try await fixture.courier("deliveries", "retry", "--endpoint", endpointID, "--json")
        let operations = both.json.arrayValue
        #expect(operations?.compactMap { $0.objectValue?["filter"]?.objectValue?["state"]?.stringValue } == ["exhausted", "rejected"], "\(both)")
        let wrongState = try await fixture.courier("deliveries", "retry", "--state", "pending")
        #expect(wrongState.status != 0 && wrongState.errors.contains("only those can be requeued"), "\(wrongState)")
        // Whatever the API requeues, the command does: `empty` too.
        let empty = try await fixture.courier("deliveries", "retry", "--endpoint", endpointID, "--state", "empty", "--json")
        #expect(empty.status == 0 && empty.json.arrayValue?.first?.objectValue?["matched"] == 0, "\(empty)")
    }

    @Test func sessionsFireAndShow() async throws {
        let fixture = try await CLIFixture.start { _, _ in
            RecordingReceiver.Reply(status: 200, headers: [HeaderField(name: "Content-Type", value: "application/json")], body: #"{"applicantId":42}"#)
        }
        defer { fixture.stop() }
        _ = try await fixture.api.post("/v1/endpoints", #"{"name":"crm","url":"\#(fixture.receiver.url)/tasks","eventTypes":[]}"#)
        // A uid with a slash and a space: one path segment, percent-encoded.
        let uid = "applicant:42/web form"
        let configured = try await fixture.api.put("/v1/sessions/applicant%3A42%2Fweb%20form/tasks", #"""
            {"tasks": {"createApplicant": {"after": ["startSession", "observationsReceived"], "run": "crm"}}}
            """#)
        #expect(configured.status == 200, "\(configured.text)")

        let fired = try await fixture.courier("sessions", "fire", uid, "observationsReceived", "--kwargs", #"{"count":3}"#)
        #expect(fired.status == 0, "\(fired)")
        #expect(fired.field("session") == uid)
        #expect(fired.lines.contains { $0.hasPrefix("observationsReceived") && $0.hasSuffix(#"{"count":3}"#) }, "\(fired)")
        #expect(fired.lines.contains { $0.hasPrefix("createApplicant") && $0.contains("observationsReceived, startSession") && $0.hasSuffix("crm") }, "\(fired)")

        let started = try await fixture.courier("sessions", "fire", uid, "startSession", "--kwargs", #"{"name":"Zoë"}"#, "--json")
        #expect(started.status == 0, "\(started)")
        #expect(started["fired"]?.objectValue?["startSession"] == .object(["name": "Zoë"]))

        let run = try #require(try await fixture.receiver.waitForRequests(1, path: "/tasks").first?.json?.objectValue)
        #expect(run["session"] == .string(uid) && run["instance"] == "createApplicant#1")
        #expect(run["kwargs"]?.objectValue?["startSession"] == .object(["name": "Zoë"]))

        var shown = try await fixture.courier("sessions", "show", uid, "--json")
        let deadline = ContinuousClock.now + .seconds(20)
        while shown["instances"]?.arrayValue?.first?.objectValue?["status"] != "finished", ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            shown = try await fixture.courier("sessions", "show", uid, "--json")
        }
        let table = try await fixture.courier("sessions", "show", uid)
        #expect(table.status == 0, "\(table)")
        #expect(table.lines.contains { $0.hasPrefix("createApplicant#1") && $0.contains("finished") && $0.hasSuffix(#"{"applicantId":42}"#) }, "\(table)")
        #expect(table.field("unresolved") == "-", "\(table)")

        let badKwargs = try await fixture.courier("sessions", "fire", uid, "startSession", "--kwargs", "[1]")
        #expect(badKwargs.status != 0 && badKwargs.errors.hasPrefix("error: --kwargs must be a JSON object"), "\(badKwargs)")
        let unknown = try await fixture.courier("sessions", "show", "nobody:1")
        #expect(unknown.status != 0 && unknown.errors == "error: session not found (not_found)\n", "\(unknown)")
    }

    @Test func sessionsListWithWhatFailed() async throws {
        let fixture = try await CLIFixture.start { _, _ in RecordingReceiver.Reply(status: 500) }
        defer { fixture.stop() }
        _ = try await fixture.endpoint(url: "\(fixture.receiver.url)/tasks", eventTypes: "[]", extra: #","name":"crm","retry":{"delays":[]}"#)
        #expect(try await fixture.api.post("/v1/sessions/applicant:2/triggers", #"{"name":"start"}"#).status == 200)
        let configured = try await fixture.api.put("/v1/sessions/applicant:1/tasks", #"{"tasks":{"create":{"after":["start"],"run":"crm"}}}"#)
        #expect(configured.status == 200, "\(configured.text)")
        #expect(try await fixture.api.post("/v1/sessions/applicant:1/triggers", #"{"name":"start"}"#).status == 200)
        let deadline = ContinuousClock.now + .seconds(30)
        while try await fixture.api.get("/v1/sessions?failed=true")["data"]?.arrayValue?.isEmpty != false, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }

        let table = try await fixture.courier("sessions", "list")
        #expect(table.status == 0, "\(table)")
        #expect(table.lines.first?.split(separator: " ", omittingEmptySubsequences: true) == ["SESSION", "CHANGED", "FAILED", "INSTANCES", "TASKS", "FINALIZED"])
        let rows = table.lines.dropFirst().map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        // SESSION, the change time's date and time, FAILED, the counts ("1 failed"), TASKS, FINALIZED.
        #expect(rows.map { $0[0] } == ["applicant:1", "applicant:2"], "most recently changed first: \(table)")
        #expect(rows.first.map { Array($0[3...]) } == ["yes", "1", "failed", "1", "no"], "\(table)")
        #expect(rows.last.map { Array($0[3...]) } == ["no", "-", "0", "no"], "\(table)")

        let failed = try await fixture.courier("sessions", "list", "--failed")
        #expect(failed.status == 0 && failed.lines.count == 2 && failed.lines[1].hasPrefix("applicant:1 "), "\(failed)")
        let json = try await fixture.courier("sessions", "list", "--failed", "--json")
        let only = try #require(json["data"]?.arrayValue?.first?.objectValue, "\(json)")
        #expect(json["data"]?.arrayValue?.count == 1 && only["uid"] == "applicant:1" && only["failed"] == true, "\(json)")
        #expect(only["instanceCounts"] == .object(["failed": 1]), "\(json)")
        let prefixed = try await fixture.courier("sessions", "list", "--prefix", "applicant:2", "--json")
        #expect(prefixed["data"]?.arrayValue?.compactMap { $0.objectValue?["uid"]?.stringValue } == ["applicant:2"], "\(prefixed)")

        // One page, and a hint that there are more; --all follows the cursor.
        let page = try await fixture.courier("sessions", "list", "--limit", "1")
        #expect(page.lines.count == 2 && page.errors.contains("--all"), "\(page)")
        let all = try await fixture.courier("sessions", "list", "--limit", "1", "--all", "--json")
        #expect(all["data"]?.arrayValue?.count == 2 && all["nextCursor"] == .null, "\(all)")
        let none = try await fixture.courier("sessions", "list", "--prefix", "order:")
        #expect(none.status == 0 && none.output.isEmpty && none.errors == "no sessions match\n", "\(none)")
    }

    @Test func sinkPrintsAndAcceptsRequestsSignedWithItsSecret() async throws {
        let fixture = try await CLIFixture.start()
        defer { fixture.stop() }
        let secret = WebhookSecret.generate().description
        let sink = try CourierProcess(arguments: ["sink", "--port", "0", "--secret", secret])
        _ = try await sink.start()
        #expect(sink.output.contains("(checking signatures)"), "\(sink.output)")

        let created = try await fixture.courier(
            "endpoints", "create", "--target", "\(sink.baseURL)/hook", "--event-type", "sink.*", "--secret", secret, "--json"
        )
        #expect(created.status == 0, "\(created)")
        let published = try await fixture.courier("events", "publish", "--type", "sink.hello", #"{"hello":"world","n":[1,2]}"#, "--json")
        let eventID = try #require(published["id"]?.stringValue, "\(published)")

        let delivery = try await fixture.waitForDelivery(event: eventID)
        #expect(delivery["state"] == "succeeded", "\(delivery) \(sink.output)")
        #expect(delivery["lastStatus"] == 204)
        let lines = sink.output.split(separator: "\n").map(String.init)
        let heading = try #require(lines.first { $0.contains(eventID) }, "\(sink.output)")
        #expect(heading.contains("  POST /hook  \(eventID)  sink.hello  → 204 signature ok"), "\(heading)")
        #expect(sink.output.contains("\"data\": {\n    \"hello\": \"world\",\n    \"n\": [\n      1,\n      2\n    ]\n  }"), "\(sink.output)")

        sink.kill(SIGTERM)
        #expect(try await sink.waitForExit() == 0)
    }

    @Test func sinkRefusesRequestsSignedWithAnotherSecret() async throws {
        let fixture = try await CLIFixture.start()
        defer { fixture.stop() }
        let sink = try CourierProcess(arguments: ["sink", "--port", "0", "--secret", WebhookSecret.generate().description])
        _ = try await sink.start()
        // The endpoint gets a secret of its own, not the sink's.
        let created = try await fixture.courier("endpoints", "create", "--target", "\(sink.baseURL)/hook", "--event-type", "sink.*")
        #expect(created.status == 0, "\(created)")
        let published = try await fixture.courier("events", "publish", "--type", "sink.hello", "{}", "--json")
        let eventID = try #require(published["id"]?.stringValue, "\(published)")

        let delivery = try await fixture.waitForDelivery(event: eventID)
        #expect(delivery["state"] == "rejected", "\(delivery) \(sink.output)")
        #expect(delivery["lastStatus"] == 401)
        #expect(sink.output.contains("  POST /hook  \(eventID)  sink.hello  → 401 no signature matches the secret"), "\(sink.output)")
        // The receiver's reason is on record with the attempt.
        let shown = try await fixture.courier("deliveries", "show", try #require(delivery["id"]?.stringValue))
        #expect(shown.lines.last?.contains("no signature matches the secret") == true, "\(shown)")

        sink.kill(SIGTERM)
        #expect(try await sink.waitForExit() == 0)
    }

    /// `| head` and a full disk: NIO ignores SIGPIPE, so a closed pipe is an error on write,
    /// which Foundation's file handle turned into a crash with every thread's backtrace.
    @Test func aClosedOrFullOutputEndsTheCommandWithoutACrash() async throws {
        let fixture = try await CLIFixture.start()
        defer { fixture.stop() }
        _ = try await fixture.endpoint(url: "\(fixture.receiver.url)/hook", eventTypes: #"["*"]"#)
        let list = "\"$0\" endpoints list --url \(fixture.server.baseURL) --token \(CourierProcess.adminToken)"
        // `true` has gone long before the command has its answer from the server to print.
        let run = try await ExternalCommand.run([
            "bash", "-c", "\(list) | true; echo pipe=${PIPESTATUS[0]}; \(list) > /dev/full; echo full=$?", CourierProcess.binary,
        ])
        #expect(run.text.contains("pipe=141\n"), "a closed pipe ends it as SIGPIPE would: \(run.text)")
        #expect(run.text.contains("error: cannot write to standard output: No space left on device\nfull=1\n"), "\(run.text)")
        #expect(!run.text.contains("Fatal error") && !run.text.contains("crashed"), "\(run.text)")
    }

    @Test func failuresAreOneClearLineAndANonZeroExit() async throws {
        let fixture = try await CLIFixture.start()
        defer { fixture.stop() }

        let noToken = try await CLIFixture.run(["endpoints", "list", "--url", fixture.server.baseURL], environment: [:])
        #expect(noToken.status != 0)
        #expect(noToken.errors.hasPrefix("error: no API token: give --token or set COURIER_TOKEN"), "\(noToken)")
        #expect(noToken.errors.split(separator: "\n").count == 1 && noToken.output.isEmpty, "\(noToken)")

        let wrongToken = try await CLIFixture.run(["endpoints", "list", "--url", fixture.server.baseURL, "--token", "nope"], environment: [:])
        #expect(wrongToken.status != 0)
        #expect(wrongToken.errors == "error: the token is not valid (unauthenticated)\n", "\(wrongToken)")

        // A token read from a file keeps its line break: not part of it, and never echoed.
        let fromFile = try await CLIFixture.run(
            ["endpoints", "list", "--url", fixture.server.baseURL, "--json"], environment: ["COURIER_TOKEN": CourierProcess.adminToken + "\n"]
        )
        #expect(fromFile.status == 0, "\(fromFile)")
        let broken = try await CLIFixture.run(
            ["endpoints", "list", "--url", fixture.server.baseURL], environment: ["COURIER_TOKEN": "ab\ncd-secret-part"]
        )
        #expect(broken.status != 0 && broken.errors.contains("control character") && !broken.errors.contains("secret-part"), "\(broken)")
        // An admin token a person sets must be long enough to be a secret, and sendable. (The
        // fixture's port is taken, so an accepted token would end in a failure to listen.)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let port = try #require(URLComponents(string: fixture.server.baseURL)?.port)
        // A short one (deployments set them before the rule) is warned about, not refused,
        // so that an upgrade does not stop a node; here it then fails to listen.
        let short = try await CLIFixture.run(
            ["serve", "--db", directory.path("short.db"), "--port", "\(port)"], environment: ["COURIER_ADMIN_TOKEN": "short"]
        )
        #expect(short.status == 1 && short.errors.contains("COURIER_ADMIN_TOKEN is shorter than 16 characters"), "\(short)")
        #expect(short.errors.contains("already in use"), "\(short)")
        let spaced = try await CLIFixture.run(
            ["serve", "--db", directory.path("spaced.db"), "--port", "\(port)"], environment: ["COURIER_ADMIN_TOKEN": " spaced-admin-token-value "]
        )
        #expect(spaced.status == 1 && spaced.errors.contains("COURIER_ADMIN_TOKEN must not contain spaces or control characters"), "\(spaced)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("spaced.db")), "refused before the store was opened")
        // Start-up failures are one line each, saying what to fix.
        let taken = try await CLIFixture.run(
            ["serve", "--db", directory.path("taken.db"), "--port", "\(port)"], environment: ["COURIER_ADMIN_TOKEN": CourierProcess.adminToken]
        )
        #expect(taken.status == 1 && taken.errors == "error: cannot listen: the address is already in use (another server on that port? choose one with --port)\n", "\(taken)")
        let nowhere = try await CLIFixture.run(["serve", "--db", "/nonexistent/folder/c.db"], environment: [:])
        #expect(nowhere.status == 1 && nowhere.errors.hasPrefix("error: cannot open the database /nonexistent/folder/c.db: No such file or directory"), "\(nowhere)")
        let text = directory.path("notes.db")
        try String(repeating: "not a database, only words. ", count: 10).write(toFile: text, atomically: true, encoding: .utf8)
        let notDatabase = try await CLIFixture.run(["migrate", "--db", text], environment: [:])
        #expect(notDatabase.status == 1 && notDatabase.errors == "error: cannot open the database \(text): SQLite error 26: file is not a database (store_unavailable)\n", "\(notDatabase)")
        // An empty id (an unset "$ID") is a usage error, not a path with a hole in it.
        for command in [["endpoints", "pause", ""], ["deliveries", "show", ""], ["sessions", "show", " "]] {
            let run = try await CLIFixture.run(command + ["--url", fixture.server.baseURL], environment: ["COURIER_TOKEN": CourierProcess.adminToken])
            #expect(run.status == 64, "\(command): \(run)")
        }

        // A deleted endpoint's deliveries are still listed by it (and its id is not "mistyped").
        let paused = try await fixture.endpoint(url: "\(fixture.receiver.url)/gone", eventTypes: #"["gone.*"]"#)
        #expect(try await fixture.api.post("/v1/endpoints/\(paused)/pause").status == 200)
        #expect(try await fixture.api.post("/v1/events", #"{"type":"gone.one"}"#).status == 202)
        #expect(try await fixture.api.send("DELETE", "/v1/endpoints/\(paused)", body: nil).status == 204)
        let history = try await fixture.courier("deliveries", "list", "--endpoint", paused, "--json")
        #expect(history.status == 0 && history["data"]?.arrayValue?.count == 1, "\(history)")
        // A mistyped endpoint in a filter is not "nothing matches".
        for command in [["deliveries", "list", "--endpoint", "ep_nope"], ["deliveries", "retry", "--endpoint", "ep_nope"]] {
            let run = try await CLIFixture.run(command + ["--url", fixture.server.baseURL], environment: ["COURIER_TOKEN": CourierProcess.adminToken])
            // (retry's progress may come first on standard error)
            #expect(run.status == 1 && run.errors.hasSuffix("error: endpoint not found (not_found)\n"), "\(command): \(run)")
        }

        let unknownEndpoint = try await fixture.courier("endpoints", "pause", "ep_nope")
        #expect(unknownEndpoint.status != 0)
        #expect(unknownEndpoint.errors == "error: endpoint not found (not_found)\n", "\(unknownEndpoint)")
        let unknownDelivery = try await fixture.courier("deliveries", "show", "dlv_nope")
        #expect(unknownDelivery.status != 0 && unknownDelivery.errors == "error: delivery not found (not_found)\n", "\(unknownDelivery)")

        let invalid = try await fixture.courier("events", "publish", "--type", "no spaces", "{}")
        #expect(invalid.status != 0)
        #expect(invalid.errors.hasPrefix("error: ") && invalid.errors.hasSuffix(", type); check --type\n"), "\(invalid)")
        // The API names its field; the person is told which of their options gave it.
        let badType = try await fixture.courier("endpoints", "create", "--target", "https://example.com/hook", "--event-type", "a.*", "--event-type", "a..b")
        #expect(badType.status == 1 && badType.errors.hasSuffix(", eventTypes[1]); check --event-type\n"), "\(badType)")
        let notJSON = try await fixture.courier("events", "publish", "--type", "a.b", "{nope")
        #expect(notJSON.status != 0 && notJSON.errors.hasPrefix("error: the payload is not valid JSON"), "\(notJSON)")
        let privateTarget = try await fixture.courier("endpoints", "create", "--target", "ftp://example.com/")
        #expect(privateTarget.status != 0 && privateTarget.errors.hasSuffix("(invalid_url, url); check --target\n"), "\(privateTarget)")

        // Nothing listens there: the message names the URL, at once.
        let closed = try ReservedPort()
        let unreachable = try await fixture.courier("endpoints", "list", "--url", closed.url)
        #expect(unreachable.status != 0)
        #expect(unreachable.errors == "error: cannot reach the Courier server at \(closed.url): connection refused\n", "\(unreachable)")
        let badURL = try await fixture.courier("deliveries", "list", "--url", "localhost:8080")
        #expect(badURL.status != 0 && badURL.errors.hasPrefix("error: the server URL must be an http or https URL"), "\(badURL)")
    }
}

/// What one run of a one-shot command left behind.
struct CLIRun: CustomStringConvertible {
    var status: Int32
    var output: String
    var errors: String

    var lines: [String] { output.split(separator: "\n").map(String.init) }
    var json: JSONValue { (try? JSONParser.parse(output)) ?? .null }

    subscript(key: String) -> JSONValue? { json.objectValue?[key] }

    /// The value of a `name  value` line of a record the command printed.
    func field(_ name: String) -> String? {
        lines.first { $0.hasPrefix(name + " ") }.map { $0.dropFirst(name.count).trimmingCharacters(in: .whitespaces) }
    }

    var description: String { "exit \(status)\n--- stdout\n\(output)--- stderr\n\(errors)" }
}

/// A running server with a receiver, and the `courier` command pointed at it through
/// `COURIER_URL` and `COURIER_TOKEN`.
final class CLIFixture {
    let directory: TemporaryDirectory
    let server: CourierProcess
    let api: APIClient
    let receiver: RecordingReceiver

    private init(directory: TemporaryDirectory, server: CourierProcess, api: APIClient, receiver: RecordingReceiver) {
        self.directory = directory
        self.server = server
        self.api = api
        self.receiver = receiver
    }

    static func start(respond: @escaping RecordingReceiver.Responder = { _, _ in .ok }) async throws -> CLIFixture {
        let directory = try TemporaryDirectory()
        let receiver = try await RecordingReceiver.start(respond: respond)
        let server = try CourierProcess(database: directory.path("courier.db"))
        let api = try await server.start()
        return CLIFixture(directory: directory, server: server, api: api, receiver: receiver)
    }

    func stop() {
        server.kill(SIGTERM)
        let receiver = receiver
        let directory = directory
        Task {
            await receiver.stop()
            directory.remove()
        }
    }

    func courier(_ arguments: String..., input: String? = nil) async throws -> CLIRun {
        try await Self.run(
            arguments, environment: ["COURIER_URL": server.baseURL, "COURIER_TOKEN": CourierProcess.adminToken], input: input
        )
    }

    /// Runs `courier` to its end without holding a thread meanwhile. Standard input is empty
    /// unless `input` is given, and the caller's COURIER_* variables are not passed on.
    static func run(_ arguments: [String], environment: [String: String], input: String? = nil) async throws -> CLIRun {
        let directory = FileManager.default.temporaryDirectory
        let name = UUID().uuidString
        let outputURL = directory.appendingPathComponent("cli-\(name).out")
        let errorsURL = directory.appendingPathComponent("cli-\(name).err")
        let inputURL = directory.appendingPathComponent("cli-\(name).in")
        defer { for url in [outputURL, errorsURL, inputURL] { try? FileManager.default.removeItem(at: url) } }
        try Data().write(to: outputURL)
        try Data().write(to: errorsURL)
        try Data((input ?? "").utf8).write(to: inputURL)

        var inherited = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("COURIER_") }
        inherited.merge(environment) { _, new in new }
        let child = try ChildProcess(
            executable: CourierProcess.binary, arguments: arguments, environment: inherited, input: inputURL.path,
            output: outputURL.path, errors: errorsURL.path
        )
        let status = await child.termination().status
        return CLIRun(
            status: status,
            output: (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "",
            errors: (try? String(contentsOf: errorsURL, encoding: .utf8)) ?? ""
        )
    }

    /// Creates an endpoint through the API, for settings the command line does not offer.
    func endpoint(url: String, eventTypes: String, extra: String = "") async throws -> String {
        let created = try await api.post("/v1/endpoints", #"{"url":"\#(url)","eventTypes":\#(eventTypes)\#(extra)}"#)
        #expect(created.status == 201, "\(created.text)")
        return try #require(created["id"]?.stringValue)
    }

    /// How many deliveries the endpoint has, read page by page through the API.
    func deliveryCount(endpoint: String) async throws -> Int {
        var count = 0
        var cursor: String?
        repeat {
            let page = try await api.get("/v1/deliveries?endpoint=\(endpoint)&limit=500" + (cursor.map { "&cursor=\($0)" } ?? ""))
            count += page["data"]?.arrayValue?.count ?? 0
            cursor = page["nextCursor"]?.stringValue
        } while cursor != nil
        return count
    }

    /// Waits until the endpoint has `count` deliveries, all in `state`.
    func waitForDeliveries(endpoint: String, count: Int, toBe state: String) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        var states: [String] = []
        while ContinuousClock.now < deadline {
            let page = try await api.get("/v1/deliveries?endpoint=\(endpoint)")
            states = (page["data"]?.arrayValue ?? []).compactMap { $0.objectValue?["state"]?.stringValue }
            if states == Array(repeating: state, count: count) { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("expected \(count) deliveries \(state), got \(states)")
    }

    /// The event's one delivery once it has stopped being pending or retrying.
    func waitForDelivery(event: String) async throws -> JSONObject {
        let deadline = ContinuousClock.now + .seconds(30)
        var delivery = JSONObject()
        while ContinuousClock.now < deadline {
            let page = try await api.get("/v1/deliveries?event=\(event)")
            delivery = page["data"]?.arrayValue?.first?.objectValue ?? JSONObject()
            if let state = delivery["state"]?.stringValue, !["pending", "retrying"].contains(state) { return delivery }
            try await Task.sleep(for: .milliseconds(25))
        }
        return delivery
    }
}
