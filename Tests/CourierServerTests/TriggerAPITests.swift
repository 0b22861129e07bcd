import Courier
import CourierTesting
import Foundation
import Synchronization
import Testing

/// The trigger engine through the API, with tasks run as signed deliveries to a real receiver
/// on loopback: the behaviours of the EFL triggers test suite, end to end.
@Suite struct TriggerAPITests {
    /// A receiver that answers each task's run by its path, and the endpoints `name → /name`.
    static func withTasks(
        _ store: StoreKind, endpoints: [String], extra: String = #""retry":{"delays":[0.05]}"#,
        answer: @escaping @Sendable (_ path: String, _ run: JSONObject) -> RecordingReceiver.Reply = { _, _ in .init(status: 200, body: "{}") },
        _ body: (TestServer, RecordingReceiver) async throws -> Void
    ) async throws {
        let receiver = try await RecordingReceiver.start { request, _ in
            answer(request.path, request.json?.objectValue ?? JSONObject())
        }
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            for name in endpoints {
                _ = try await server.createEndpoint(url: receiver.url + "/" + name, eventTypes: [], extra: #""name":"\#(name)",\#(extra)"#)
            }
            try await body(server, receiver)
        }
    }

    static func put(_ server: TestServer, _ uid: String, _ json: String) async throws -> APIClient.Answer {
        let answer = try await server.api.put("/v1/sessions/\(uid)/tasks", json)
        #expect(answer.status == 200, "\(answer.text)")
        return answer
    }

    @discardableResult
    static func fire(_ server: TestServer, _ uid: String, _ name: String, kwargs: String = "{}") async throws -> APIClient.Answer {
        let answer = try await server.api.post("/v1/sessions/\(uid)/triggers", #"{"name":"\#(name)","kwargs":\#(kwargs)}"#)
        #expect(answer.status == 200, "\(answer.text)")
        return answer
    }

    /// Polls the session until `condition` holds, and returns it.
    @discardableResult
    static func waitForSession(
        _ server: TestServer, _ uid: String, timeout: Duration = .seconds(60), until condition: (Snapshot) -> Bool
    ) async throws -> Snapshot {
        let deadline = ContinuousClock.now + timeout
        var last = Snapshot(json: JSONObject())
        while ContinuousClock.now < deadline {
            last = Snapshot(json: try await server.api.get("/v1/sessions/\(uid)").json.objectValue ?? JSONObject())
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("session \(uid) did not reach the expected state: \(String(decoding: JSONValue.object(last.json).bytes, as: UTF8.self))")
        return last
    }

    /// A session as `GET /v1/sessions/{uid}` shows it.
    struct Snapshot {
        var json: JSONObject
        var instances: [JSONObject] { json["instances"]?.arrayValue?.compactMap(\.objectValue) ?? [] }
        func instance(_ name: String) -> JSONObject? { instances.first { $0.string("name") == name } }
        func status(_ name: String) -> String? { instance(name)?.string("status") }
        var statuses: [String: String] {
            Dictionary(uniqueKeysWithValues: instances.compactMap { i in i.string("name").map { ($0, i.string("status") ?? "") } })
        }
        var unresolved: [String] { json["unresolvedTasks"]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        var fired: JSONObject { json["fired"]?.objectValue ?? JSONObject() }
    }

    // MARK: The applicant example (README)

    @Test(arguments: StoreKind.all) func theApplicantExampleJoinsInAnyOrderCascadesAndFinalizesOnce(_ store: StoreKind) async throws {
        try await Self.withTasks(store, endpoints: ["crm", "scorer"], answer: { path, _ in
            path == "/crm" ? .init(status: 201, body: #"{"applicantId":42}"#) : .init(status: 200, body: #"{"score":0.9}"#)
        }) { server, receiver in
            let configured = try await Self.put(server, "applicant:42", """
                {"finalizeTrigger":"sessionFinalized","tasks":{
                  "createApplicant":{"after":["startSession","observationsReceived"],"run":"crm",
                                     "withParams":{"startSession":{"source":"web","name":"?"}}},
                  "computeScore":{"after":["createApplicant","sessionFinalized"],"run":"scorer"}}}
                """)
            #expect(configured["unresolvedTasks"] == .array(["createApplicant", "computeScore"].map(JSONValue.string)))
            // Observations first: the join waits for the start, whatever the order.
            try await Self.fire(server, "applicant:42", "observationsReceived", kwargs: #"{"count":3}"#)
            #expect(try await server.api.get("/v1/sessions/applicant:42")["instances"]?.arrayValue?.first?.objectValue?.string("status") == "unstarted")
            try await Self.fire(server, "applicant:42", "startSession", kwargs: #"{"name":"Zoë"}"#)
            let done = try await Self.waitForSession(server, "applicant:42") { $0.status("computeScore#1") == "finished" }
            #expect(done.statuses == ["createApplicant#1": "finished", "computeScore#1": "finished"])
            #expect(done.unresolved.isEmpty)
            #expect(done.json["finalized"] == .bool(true))
            #expect(done.instance("computeScore#1")?["result"] == .object(JSONObject(["score": .double(0.9)])))
            #expect(done.fired["sessionFinalized"] == .object(JSONObject()), "finalization fired, once, with no kwargs")

            let requests = receiver.requests()
            #expect(requests.map(\.path) == ["/crm", "/scorer"], "one run each, in cascade order")
            let create = try #require(requests.first)
            // Exactly {session, task, instance, kwargs}: withParams under the fired kwargs, fired values winning.
            #expect(create.bodyText == #"{"session":"applicant:42","task":"createApplicant","instance":"createApplicant#1","kwargs":{"startSession":{"source":"web","name":"Zoë"},"observationsReceived":{"count":3}}}"#)
            #expect(create.header("webhook-signature")?.hasPrefix("v1,") == true, "signed like every delivery")
            #expect(create.header("content-type") == "application/json")
            #expect(requests[1].json?.objectValue?["kwargs"] == .object(JSONObject([
                "createApplicant": .object(JSONObject(["applicantId": 42])), "sessionFinalized": .object(JSONObject()),
            ])), "the cascade carried the result: \(requests[1].bodyText)")

            // Each run is on record as a delivery of kind task, naming its instance.
            let deliveries = try await server.api.get("/v1/deliveries")["data"]?.arrayValue?.compactMap(\.objectValue) ?? []
            #expect(deliveries.count == 2)
            #expect(deliveries.allSatisfy { $0.string("kind") == "task" && $0.string("session") == "applicant:42" && $0.state == "succeeded" })
            #expect(Set(deliveries.compactMap { $0.string("instance") }) == ["createApplicant#1", "computeScore#1"])
        }
    }

    // MARK: Seeding, cascades

    @Test(arguments: StoreKind.all) func triggersFiredBeforeTheConfigCountAndACascadeOfThreeRuns(_ store: StoreKind) async throws {
        try await Self.withTasks(store, endpoints: ["steps"], answer: { _, run in
            let instance = run["instance"]?.stringValue ?? "?"
            return .init(status: 200, body: #"{"done":"\#(instance)"}"#)
        }) { server, receiver in
            // Fired before any task exists: it counts for the tasks configured later.
            try await Self.fire(server, "chain", "go", kwargs: #"{"id":1}"#)
            _ = try await Self.put(server, "chain", """
                {"tasks":{"first":{"after":["go"],"run":"steps"},
                          "second":{"after":["first"],"run":"steps","withParams":{"first":{"extra":true,"done":"no"}}}}}
                """)
            _ = try await Self.put(server, "chain", #"{"tasks":{"third":{"after":["second"],"run":"steps"}}}"#)
            let session = try await Self.waitForSession(server, "chain") { $0.status("third#1") == "finished" }
            #expect(session.statuses == ["first#1": "finished", "second#1": "finished", "third#1": "finished"])
            let kwargs = try await receiver.waitForRequests(3).compactMap { $0.json?.objectValue?["kwargs"] }
            #expect(kwargs == [
                .object(["go": .object(["id": 1])]),
                .object(["first": .object(["extra": true, "done": "first#1"])]),
                .object(["second": .object(["done": "second#1"])]),
            ], "each step's result is the next one's kwargs, over its withParams")
            #expect(session.instance("third#1")?["result"] == .object(["done": "third#1"]))
        }
    }

    // MARK: andEvery, unless

    @Test(arguments: StoreKind.all) func andEveryMakesOneRunPerFiringAndUnlessStopsWhatHasNotStarted(_ store: StoreKind) async throws {
        try await Self.withTasks(store, endpoints: ["sms"]) { server, receiver in
            _ = try await Self.put(server, "survey:9", """
                {"tasks":{"remind":{"after":["enrolled"],"andEvery":"reminderDue","run":"sms","unless":["completed"]},
                          "thank":{"after":["enrolled","answered"],"run":"sms","unless":["withdrawn"]}}}
                """)
            try await Self.fire(server, "survey:9", "enrolled", kwargs: #"{"phone":"+100"}"#)
            try await Self.fire(server, "survey:9", "reminderDue", kwargs: #"{"n":1}"#)
            try await Self.fire(server, "survey:9", "reminderDue", kwargs: #"{"n":2}"#)
            _ = try await receiver.waitForRequests(2)
            // The two runs go out side by side: either may arrive and finish first.
            var session = try await Self.waitForSession(server, "survey:9") {
                $0.status("remind#1") == "finished" && $0.status("remind#2") == "finished"
            }
            #expect(Set(receiver.requests().compactMap { $0.json?.objectValue?["kwargs"]?.objectValue?["reminderDue"] })
                == [.object(JSONObject(["n": 1])), .object(JSONObject(["n": 2]))], "each firing its own kwargs")

            // unless before the join: the task never runs.
            try await Self.fire(server, "survey:9", "withdrawn")
            try await Self.fire(server, "survey:9", "answered")
            session = try await Self.waitForSession(server, "survey:9") { $0.status("thank#1") != nil }
            #expect(session.status("thank#1") == "abandoned")

            // unless after the join: a run not yet sent (its endpoint paused) is cancelled.
            let sms = try #require(try await server.api.get("/v1/endpoints")["data"]?.arrayValue?.first?.objectValue?.string("id"))
            #expect(try await server.api.post("/v1/endpoints/\(sms)/pause").status == 200)
            try await Self.fire(server, "survey:9", "reminderDue", kwargs: #"{"n":3}"#)
            #expect(try await Self.waitForSession(server, "survey:9") { $0.status("remind#3") == "scheduled" }.status("remind#3") == "scheduled")
            session = Snapshot(json: try await Self.fire(server, "survey:9", "completed").json.objectValue ?? JSONObject())
            #expect(session.status("remind#3") == "abandoned")
            #expect(try await server.api.post("/v1/endpoints/\(sms)/resume").status == 200)
            try await Self.fire(server, "survey:9", "reminderDue", kwargs: #"{"n":4}"#)
            session = try await Self.waitForSession(server, "survey:9") { $0.status("remind#4") != nil }
            #expect(session.status("remind#4") == "abandoned", "and abandons later firings at once")
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.requests().count == 2, "nothing more was sent")
            let cancelled = try await server.api.get("/v1/deliveries?state=cancelled")["data"]?.arrayValue?.compactMap(\.objectValue) ?? []
            #expect(cancelled.map { $0.string("instance") } == ["remind#3"])
        }
    }

    // MARK: Failure, replay, skip

    @Test(arguments: StoreKind.all) func aFailedRunIsReplayedWithOrWithoutNewKwargsAndSkippedWithOrWithoutCascade(_ store: StoreKind) async throws {
        let healthy = Mutex(false)
        try await Self.withTasks(store, endpoints: ["crm", "mail"], answer: { path, run in
            if path == "/mail" { return .init(status: 200, body: #"{"sent":true}"#) }
            return healthy.withLock { $0 } ? .init(status: 200, body: #"{"ok":true}"#) : .init(status: 500, body: "down")
        }) { server, receiver in
            _ = try await Self.put(server, "order:1", """
                {"tasks":{"charge":{"after":["placed"],"run":"crm"},
                          "notify":{"after":["charge"],"run":"mail"}}}
                """)
            try await Self.fire(server, "order:1", "placed", kwargs: #"{"amount":5}"#)
            var session = try await Self.waitForSession(server, "order:1") { $0.status("charge#1") == "failed" }
            #expect(session.instance("charge#1")?.string("error") == "HTTP 500")
            #expect(session.unresolved == ["charge", "notify"])
            // Only a failed instance can be replayed or skipped.
            let early = try await server.api.post("/v1/sessions/order:1/instances/notify%231/replay")
            #expect(early.status == 404, "\(early.text)")

            // Replay with its own kwargs: the clone is charge#2, depth 1, its parent charge#1.
            let stillDown = try await server.api.post("/v1/sessions/order:1/instances/charge%231/replay", "")
            #expect(stillDown.status == 200, "\(stillDown.text)")
            session = try await Self.waitForSession(server, "order:1") { $0.status("charge#2") == "failed" }
            #expect(session.status("charge#1") == "replayed")
            #expect(session.instance("charge#2")?["depth"] == .integer(1))
            #expect(session.instance("charge#2")?.string("parent") == "charge#1")
            let twice = try await server.api.post("/v1/sessions/order:1/instances/charge%231/replay")
            #expect(twice.status == 409 && twice.text.contains("replayed"), "\(twice.text)")

            // Replay with replacement kwargs, once the receiver is back.
            healthy.withLock { $0 = true }
            let replaced = try await server.api.post(
                "/v1/sessions/order:1/instances/charge%232/replay", #"{"kwargs":{"placed":{"amount":7}}}"#
            )
            #expect(replaced.status == 200, "\(replaced.text)")
            session = try await Self.waitForSession(server, "order:1") { $0.status("notify#1") == "finished" }
            #expect(session.instance("charge#3")?["depth"] == .integer(2))
            let charges = receiver.requests(path: "/crm").compactMap { $0.json?.objectValue?["kwargs"] }
            #expect(charges.last == .object(JSONObject(["placed": .object(JSONObject(["amount": 7]))])), "replaced entirely")
            #expect(charges.first == .object(JSONObject(["placed": .object(JSONObject(["amount": 5]))])))
            let finishedSkip = try await server.api.post("/v1/sessions/order:1/instances/charge%233/skip")
            #expect(finishedSkip.status == 409 && finishedSkip.text.contains("finished"), "\(finishedSkip.text)")
            #expect(session.unresolved.isEmpty)

            // Skip without cascade: nothing follows; with it, the given result cascades.
            healthy.withLock { $0 = false }
            _ = try await Self.put(server, "order:2", #"{"tasks":{"charge":{"after":["placed"],"run":"crm"},"notify":{"after":["charge"],"run":"mail"}}}"#)
            try await Self.fire(server, "order:2", "placed")
            _ = try await Self.waitForSession(server, "order:2") { $0.status("charge#1") == "failed" }
            let skipped = Snapshot(json: try await server.api.post("/v1/sessions/order:2/instances/charge%231/skip").json.objectValue ?? JSONObject())
            #expect(skipped.status("charge#1") == "skipped" && skipped.status("notify#1") == nil)
            #expect(skipped.unresolved == ["notify"])

            _ = try await Self.put(server, "order:3", #"{"tasks":{"charge":{"after":["placed"],"run":"crm"},"notify":{"after":["charge"],"run":"mail"}}}"#)
            try await Self.fire(server, "order:3", "placed")
            _ = try await Self.waitForSession(server, "order:3") { $0.status("charge#1") == "failed" }
            let cascaded = try await server.api.post(
                "/v1/sessions/order:3/instances/charge%231/skip", #"{"cascade":true,"result":{"manual":true}}"#
            )
            #expect(cascaded.status == 200, "\(cascaded.text)")
            session = try await Self.waitForSession(server, "order:3") { $0.status("notify#1") == "finished" }
            #expect(receiver.requests(path: "/mail").last?.json?.objectValue?["kwargs"]
                == .object(JSONObject(["charge": .object(JSONObject(["manual": true]))])))
        }
    }

    // MARK: Answers that cannot be results, and targets that do not exist

    @Test(arguments: StoreKind.all) func aRunFailsOnAnAnswerThatIsNotAnObjectOrATargetThatDoesNotExist(_ store: StoreKind) async throws {
        try await Self.withTasks(store, endpoints: ["text", "list", "empty"], answer: { path, _ in
            switch path {
            case "/text": .init(status: 200, body: "OK")
            case "/list": .init(status: 200, body: "[1,2]")
            default: .init(status: 204)
            }
        }) { server, _ in
            _ = try await Self.put(server, "s", """
                {"tasks":{"a":{"after":["go"],"run":"text"},"b":{"after":["go"],"run":"list"},
                          "c":{"after":["go"],"run":"empty"},"d":{"after":["go"],"run":"nowhere"}}}
                """)
            let fired = Snapshot(json: try await Self.fire(server, "s", "go").json.objectValue ?? JSONObject())
            #expect(fired.status("d#1") == "failed", "no endpoint: failed at once")
            #expect(fired.instance("d#1")?.string("error")?.contains("nowhere") == true)
            let session = try await Self.waitForSession(server, "s") { s in ["a#1", "b#1", "c#1"].allSatisfy { s.status($0) == "failed" || s.status($0) == "finished" } }
            #expect(session.status("a#1") == "failed")
            #expect(session.instance("a#1")?.string("error") == "the task's answer is not a JSON object")
            #expect(session.status("b#1") == "failed")
            #expect(session.status("c#1") == "finished" && session.instance("c#1")?["result"] == .object(JSONObject()), "empty is {}")
            let rejected = try await server.api.get("/v1/deliveries?state=rejected")["data"]?.arrayValue ?? []
            #expect(rejected.count == 2, "not retried: the same answer would come back")
        }
    }

    /// A session holds kwargs and results a few levels below where they were taken, so as deep
    /// as the API allows must still read back: at 124 levels of kwargs (or a 126-level result)
    /// the session, and the tenant's list, answered 500, and the run's record was refused,
    /// so the run went again every lease.
    @Test(arguments: StoreKind.all) func kwargsAndResultsAsDeepAsAllowedReadBack(_ store: StoreKind) async throws {
        @Sendable func deep(_ levels: Int) -> String { String(repeating: #"{"a":"#, count: levels) + "1" + String(repeating: "}", count: levels) }
        let result = deep(JSONParser.maximumDepth)
        try await Self.withTasks(store, endpoints: ["deep"], answer: { _, _ in .init(status: 200, body: result) }) { server, receiver in
            _ = try await Self.put(server, "s", #"{"tasks":{"a":{"after":["x"],"run":"deep"},"b":{"after":["a"],"run":"deep"}}}"#)
            try await Self.fire(server, "s", "x", kwargs: deep(JSONParser.maximumDepth - 2))
            let session = try await Self.waitForSession(server, "s") { $0.status("b#1") == "finished" }
            #expect(session.status("a#1") == "finished")
            let list = try await server.api.get("/v1/sessions")
            #expect(list.status == 200, "\(list.status) \(list.text.prefix(200))")
            #expect(try await server.api.get("/v1/deliveries?state=succeeded")["data"]?.arrayValue?.count == 2)
            #expect(receiver.requests().count == 2, "each run went once")
        }
    }

    // MARK: Bad input

    @Test(arguments: StoreKind.all) func badInputIsAClearClientErrorAndChangesNothing(_ store: StoreKind) async throws {
        try await Self.withTasks(store, endpoints: ["crm"]) { server, _ in
            let api = server.api
            for (body, field) in [
                (#"{"tasks":{"a":{"after":["x"],"run":"crm","when":"now"}}}"#, "tasks.a.when"),
                (#"{"tasks":{"a":{"run":"crm"}}}"#, "tasks.a.after"),
                (#"{"tasks":{"a":{"after":["x"]}}}"#, "tasks.a.run"),
                (#"{"tasks":{"a":{"after":["x y"],"run":"crm"}}}"#, "tasks.a.after[0]"),
                (#"{"tasks":{"a":{"after":["x"],"unless":["ok","s p"],"run":"crm"}}}"#, "tasks.a.unless[1]"),
                (#"{"tasks":{"a":{"after":["x"],"run":"crm","withParams":{"x y":{}}}}}"#, "tasks.a.withParams.x y"),
                (#"{"tasks":{"a":{"after":["x"],"run":""}}}"#, "tasks.a.run"),
                (#"{"tasks":{"a b":{"after":["x"],"run":"crm"}}}"#, "tasks"),
                (#"{"tasks":{"a":{"after":["x"],"run":"crm","withParams":{"x":1}}}}"#, "tasks.a.withParams"),
                (#"{"tasks":[]}"#, "tasks"),
                (#"{"task":{}}"#, "tasks"),
                (#"{"tasks":{},"finalizeTrigger":7}"#, "finalizeTrigger"),
            ] {
                let answer = try await api.put("/v1/sessions/s/tasks", body)
                #expect(answer.status == 400, "\(body): \(answer.text)")
                #expect(answer.text.contains(field), "\(body) names \(field): \(answer.text)")
            }
            #expect(try await api.put("/v1/sessions/s/tasks", "{not json").status == 400)
            for body in [#"{"kwargs":{}}"#, #"{"name":"go","kwargs":[1]}"#, #"{"name":"go","extra":1}"#, #"{"name":"a#1"}"#, ""] {
                let answer = try await api.post("/v1/sessions/s/triggers", body)
                #expect(answer.status == 400, "\(body): \(answer.text)")
            }
            #expect(try await api.get("/v1/sessions/s").status == 404, "nothing was made by bad input")
            #expect(try await api.post("/v1/sessions/s/instances/a%231/replay").status == 404)

            _ = try await Self.put(server, "s", #"{"tasks":{"a":{"after":["go"],"run":"crm"}}}"#)
            #expect(try await api.post("/v1/sessions/s/instances/a%231/skip", #"{"cascade":"yes"}"#).status == 400)
            #expect(try await api.post("/v1/sessions/s/instances/a%231/replay", #"{"kwargs":[]}"#).status == 400)
            #expect(try await api.post("/v1/sessions/s/instances/a%231/replay").status == 404)
            try await Self.fire(server, "s", "go")
            let session = try await Self.waitForSession(server, "s") { $0.status("a#1") == "finished" }
            let unfinished = try await api.post("/v1/sessions/s/instances/a%231/replay")
            #expect(unfinished.status == 409 && unfinished.text.contains("only a failed instance"), "\(unfinished.text)")
            #expect(session.statuses == ["a#1": "finished"])

            // A task's delivery is acted on through its instance.
            let delivery = try #require(try await api.get("/v1/deliveries")["data"]?.arrayValue?.first?.objectValue?.string("id"))
            let resend = try await api.post("/v1/deliveries/\(delivery)/resend")
            #expect(resend.status == 409 && resend.text.contains("replay or skip the instance"), "\(resend.text)")

            // Handler endpoints belong to the Swift library: the API makes none.
            let handler = try await api.post("/v1/endpoints", #"{"url":"handler:crm","eventTypes":[]}"#)
            #expect(handler.status == 400 && handler.text.contains("http or https"), "\(handler.text)")

            // Another tenant sees no such session.
            #expect(try await api.post("/v1/tenants", #"{"id":"elsewhere"}"#).status == 201)
            let token = try #require(try await api.post("/v1/tenants/elsewhere/tokens", #"{"name":"t"}"#)["token"]?.stringValue)
            #expect(try await api.withToken(token).get("/v1/sessions/s").status == 404)
        }
    }

    // MARK: The list

    @Test(arguments: StoreKind.all) func sessionsAreListedMostRecentlyChangedFirstAndFilteredToWhatFailed(_ store: StoreKind) async throws {
        try await Self.withTasks(store, endpoints: ["crm"], answer: { _, _ in .init(status: 500, body: "down") }) { server, _ in
            let api = server.api
            try await Self.fire(server, "order:2", "placed")
            _ = try await Self.put(server, "other:1", #"{"tasks":{"charge":{"after":["placed"],"run":"nowhere"}}}"#)
            try await Self.fire(server, "other:1", "placed")
            _ = try await Self.put(server, "order:1", #"{"tasks":{"charge":{"after":["placed"],"run":"crm"}}}"#)
            try await Self.fire(server, "order:1", "placed")
            _ = try await Self.waitForSession(server, "order:1") { $0.status("charge#1") == "failed" }

            func uids(_ answer: APIClient.Answer) -> [String] {
                answer["data"]?.arrayValue?.compactMap { $0.objectValue?.string("uid") } ?? []
            }
            let all = try await api.get("/v1/sessions")
            #expect(all.status == 200, "\(all.text)")
            #expect(uids(all) == ["order:1", "other:1", "order:2"], "most recently changed first: \(all.text)")
            #expect(all["nextCursor"] == .null)
            let order1 = try #require(all["data"]?.arrayValue?.first?.objectValue)
            #expect(order1["taskCount"] == .integer(1) && order1["finalized"] == .bool(false) && order1["failed"] == .bool(true))
            #expect(order1["instanceCounts"] == .object(JSONObject(["failed": 1])), "\(all.text)")
            #expect(order1.string("updatedAt").flatMap(Timestamp.parse) != nil)
            let order2 = try #require(all["data"]?.arrayValue?.last?.objectValue)
            #expect(order2["instanceCounts"] == .object(JSONObject()) && order2["failed"] == .bool(false) && order2["taskCount"] == .integer(0))

            // What failed, a page at a time.
            let first = try await api.get("/v1/sessions?failed=true&limit=1")
            #expect(uids(first) == ["order:1"], "\(first.text)")
            let cursor = try #require(first["nextCursor"]?.stringValue)
            let second = try await api.get("/v1/sessions?failed=true&limit=1&cursor=\(cursor)")
            #expect(uids(second) == ["other:1"] && second["nextCursor"] == .null, "\(second.text)")
            #expect(uids(try await api.get("/v1/sessions?failed=false")) == ["order:1", "other:1", "order:2"])
            #expect(uids(try await api.get("/v1/sessions?prefix=order%3A")) == ["order:1", "order:2"])
            #expect(uids(try await api.get("/v1/sessions?prefix=order&failed=true")) == ["order:1"])

            // Strict, like the other lists.
            for (query, field) in [
                ("failed=yes", "failed"), ("failed=", "failed"), ("limit=0", "limit"), ("limit=501", "limit"), ("cursor=nonsense", "cursor"),
                ("prefix=", "prefix"), ("uid=order:1", "uid"), ("state=failed", "state"),
            ] {
                let answer = try await api.get("/v1/sessions?\(query)")
                #expect(answer.status == 400 && answer.errorField == field, "\(query): \(answer.status) \(answer.text)")
            }
            #expect(try await api.get("/v1/sessions?colour=red").errorCode == "unknown_field")

            // Another tenant has none of them.
            #expect(try await api.post("/v1/tenants", #"{"id":"elsewhere"}"#).status == 201)
            let token = try #require(try await api.post("/v1/tenants/elsewhere/tokens", #"{"name":"t"}"#)["token"]?.stringValue)
            let foreign = try await api.withToken(token).get("/v1/sessions?failed=true")
            #expect(foreign.status == 200 && uids(foreign).isEmpty, "\(foreign.text)")
        }
    }

    // MARK: Concurrency and isolation

    @Test(arguments: StoreKind.all) func concurrentFiringLosesNothingAndTwoSessionsDoNotInterfere(_ store: StoreKind) async throws {
        try await Self.withTasks(store, endpoints: ["crm"]) { server, receiver in
            let triggers = (0..<20).map { "t\($0)" }
            let after = triggers.map { "\"\($0)\"" }.joined(separator: ",")
            for uid in ["a", "b"] {
                _ = try await Self.put(server, uid, #"{"tasks":{"join":{"after":[\#(after)],"run":"crm"},"each":{"after":["tick"],"andEvery":"tick","run":"crm"}}}"#)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for trigger in triggers {
                    group.addTask {
                        try await Self.fire(server, "a", trigger, kwargs: #"{"by":"\#(trigger)"}"#)
                        try await Self.fire(server, "a", "tick")
                    }
                }
                try await group.waitForAll()
            }
            let a = try await Self.waitForSession(server, "a") { s in s.instances.count == 21 && s.instances.allSatisfy { $0.string("status") == "finished" } }
            #expect(Set(a.fired.keys) == Set(triggers + ["tick", "join", "each"]), "no trigger lost (and the runs cascaded)")
            #expect(a.instance("join#1")?["kwargs"]?.objectValue?.keys.count == 20, "every trigger applied to the join")
            let runs = try await receiver.waitForRequests(21).compactMap { $0.json?.objectValue?["instance"]?.stringValue }
            #expect(runs.filter { $0.hasPrefix("join#") } == ["join#1"], "the join ran exactly once")
            #expect(Set(runs).count == 21, "no run twice")
            let b = try await server.api.get("/v1/sessions/b")
            #expect(b["instances"] == .array([]), "the other session saw none of it: \(b.text)")
            #expect(b["fired"] == .object(JSONObject()))
        }
    }
}
