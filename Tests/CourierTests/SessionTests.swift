import Courier
import Foundation
import Testing

/// The trigger engine's semantics (those of the EFL triggers framework), on the pure session.
@Suite struct SessionTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func kw(_ pairs: KeyValuePairs<String, JSONValue>) -> JSONObject { JSONObject(pairs) }

    func runs(_ effects: [Session.Effect]) -> [String] {
        effects.compactMap { if case .run(let instance, _, _, _) = $0 { instance } else { nil } }
    }

    func kwargs(_ effects: [Session.Effect], _ instance: String) -> JSONObject? {
        for case .run(instance, _, _, let kwargs) in effects { return kwargs }
        return nil
    }

    func applicant() -> Session {
        var session = Session(uid: "applicant:42")
        _ = session.configure([
            TaskConfig(name: "createApplicant", after: ["startSession", "observationsReceived"], run: "crm"),
            TaskConfig(name: "computeScore", after: ["createApplicant", "sessionFinalized"], run: "scoring"),
        ], now: now)
        return session
    }

    @Test func theJoinRunsOnceAllHaveFiredInAnyOrder() {
        for order in [["startSession", "observationsReceived"], ["observationsReceived", "startSession"]] {
            var session = applicant()
            #expect(runs(session.fire(order[0], kwargs: kw(["a": 1]), now: now)).isEmpty)
            #expect(session.instance("createApplicant#1")?.status == .unstarted, "waiting for the other trigger")
            let effects = session.fire(order[1], kwargs: kw(["b": 2]), now: now)
            #expect(runs(effects) == ["createApplicant#1"])
            #expect(session.instance("createApplicant#1")?.status == .scheduled)
            // Firing again does not make another instance, nor re-apply.
            #expect(runs(session.fire(order[0], kwargs: kw(["a": 3]), now: now)).isEmpty)
            #expect(session.instances.filter { $0.task == "createApplicant" }.count == 1)
        }
    }

    @Test func kwargsAreSeededAndMergedOverWithParams() throws {
        var session = Session(uid: "s")
        _ = session.fire("start", kwargs: kw(["user": .string("ann"), "opts": .object(kw(["x": 1, "list": .array([1, 2])]))]), now: now)
        let params = kw([
            "start": .object(kw(["opts": .object(kw(["x": 0, "y": 9, "list": .array([7])])), "static": true])),
        ])
        _ = session.configure([TaskConfig(name: "t", after: ["start", "go"], run: "ep", withParams: params)], now: now)
        let effects = session.fire("go", kwargs: kw(["n": 1]), now: now)
        let sent = try #require(kwargs(effects, "t#1"))
        // Triggers fired before the task was configured count for it, with their kwargs; fired
        // values win over withParams, recursively, and lists are replaced whole.
        #expect(sent == kw([
            "start": .object(kw([
                "opts": .object(kw(["x": 1, "y": 9, "list": .array([1, 2])])), "static": true, "user": .string("ann"),
            ])),
            "go": .object(kw(["n": 1])),
        ]))
    }

    @Test func andEveryMakesOneInstancePerFiring() {
        var session = Session(uid: "s")
        _ = session.configure([TaskConfig(name: "notify", after: ["ready"], run: "ep", andEvery: "message")], now: now)
        #expect(runs(session.fire("message", kwargs: kw(["n": 1]), now: now)).isEmpty, "waits for ready")
        #expect(runs(session.fire("ready", now: now)) == ["notify#1"])
        #expect(runs(session.fire("message", kwargs: kw(["n": 2]), now: now)) == ["notify#2"])
        let effects = session.fire("message", kwargs: kw(["n": 3]), now: now)
        #expect(runs(effects) == ["notify#3"])
        #expect(kwargs(effects, "notify#3")?["message"] == .object(kw(["n": 3])))
    }

    @Test func unlessBeforeTheJoinAbandonsAndAfterItCancelsWhatIsScheduled() {
        var before = Session(uid: "s")
        _ = before.configure([TaskConfig(name: "t", after: ["a", "b"], run: "ep", unless: ["stop"])], now: now)
        _ = before.fire("a", now: now)
        #expect(before.fire("stop", now: now).isEmpty)
        #expect(before.instance("t#1")?.status == .abandoned)
        #expect(runs(before.fire("b", now: now)).isEmpty, "abandoned stays abandoned")

        var after = Session(uid: "s")
        _ = after.configure([TaskConfig(name: "t", after: ["a"], run: "ep", unless: ["stop"])], now: now)
        #expect(runs(after.fire("a", now: now)) == ["t#1"])
        #expect(after.fire("stop", now: now) == [.cancel(instance: "t#1")], "scheduled but not sent: cancelled")
        #expect(after.instance("t#1")?.status == .abandoned)

        var started = Session(uid: "s")
        _ = started.configure([TaskConfig(name: "t", after: ["a"], run: "ep", unless: ["stop"])], now: now)
        _ = started.fire("a", now: now)
        try? started.started("t#1", now: now)
        #expect(started.fire("stop", now: now).isEmpty, "a running instance goes on")
        #expect(started.instance("t#1")?.status == .running)
    }

    @Test func finishedInstancesCascadeThroughAChainOfThree() throws {
        var session = Session(uid: "s")
        _ = session.configure([
            TaskConfig(name: "one", after: ["start"], run: "ep"),
            TaskConfig(name: "two", after: ["one"], run: "ep"),
            TaskConfig(name: "three", after: ["two"], run: "ep"),
        ], now: now)
        #expect(runs(session.fire("start", now: now)) == ["one#1"])
        var effects = try session.finished("one#1", result: kw(["id": 7]), now: now)
        #expect(runs(effects) == ["two#1"])
        #expect(kwargs(effects, "two#1") == kw(["one": .object(kw(["id": 7]))]))
        effects = try session.finished("two#1", result: kw(["score": 3]), now: now)
        #expect(runs(effects) == ["three#1"])
        _ = try session.finished("three#1", result: JSONObject(), now: now)
        #expect(session.unresolvedTasks.isEmpty)
        #expect(session.fired.keys == ["start", "one", "two", "three"])
    }

    @Test func replayRunsAFailedInstanceAgainWithItsKwargsOrReplacements() throws {
        var session = Session(uid: "s")
        _ = session.configure([TaskConfig(name: "t", after: ["a"], run: "ep")], now: now)
        _ = session.fire("a", kwargs: kw(["x": 1]), now: now)
        _ = try session.failed("t#1", error: "HTTP 500", now: now)
        var effects = try session.replay("t#1", kwargs: nil, now: now)
        #expect(effects == [.run(instance: "t#2", task: "t", target: "ep", kwargs: kw(["a": .object(kw(["x": 1]))]))])
        #expect(session.instance("t#1")?.status == .replayed)
        #expect(session.instance("t#2")?.depth == 1 && session.instance("t#2")?.parent == "t#1")
        _ = try session.failed("t#2", error: "HTTP 500", now: now)
        effects = try session.replay("t#2", kwargs: JSONObject(), now: now)
        #expect(effects == [.run(instance: "t#3", task: "t", target: "ep", kwargs: JSONObject())], "{} means no kwargs")
        #expect(session.instance("t#3")?.depth == 2)
        #expect(throws: CourierError.self) { try session.replay("t#3", kwargs: nil, now: now) }
        #expect(throws: CourierError.self) { try session.replay("t#9", kwargs: nil, now: now) }
    }

    /// A replay's new kwargs take the place of the instance's, and the task still gets its
    /// `withParams` under them (they were dropped, and the clone showed the old kwargs).
    @Test func aReplayWithNewKwargsKeepsWithParamsUnderThem() throws {
        var session = Session(uid: "s")
        _ = session.configure([
            TaskConfig(name: "t", after: ["x"], run: "ep", withParams: kw(["x": .object(kw(["source": "web"]))])),
        ], now: now)
        _ = session.fire("x", kwargs: kw(["name": "old"]), now: now)
        _ = try session.failed("t#1", error: "HTTP 400", now: now)
        let effects = try session.replay("t#1", kwargs: kw(["x": .object(kw(["name": "new"]))]), now: now)
        #expect(effects == [.run(instance: "t#2", task: "t", target: "ep", kwargs: kw(["x": .object(kw(["source": "web", "name": "new"]))]))])
        #expect(session.instance("t#2")?.kwargs == kw(["x": .object(kw(["name": "new"]))]), "the clone shows what it was given")
    }

    @Test func skipGivesUpOnAFailedInstanceWithOrWithoutCascade() throws {
        var session = Session(uid: "s")
        _ = session.configure([
            TaskConfig(name: "t", after: ["a"], run: "ep"), TaskConfig(name: "next", after: ["t"], run: "ep"),
        ], now: now)
        _ = session.fire("a", now: now)
        _ = try session.failed("t#1", error: "boom", now: now)
        #expect(try session.skip("t#1", cascade: false, result: nil, now: now).isEmpty)
        #expect(session.instance("t#1")?.status == .skipped && session.fired["t"] == nil)

        var cascading = Session(uid: "s")
        _ = cascading.configure([
            TaskConfig(name: "t", after: ["a"], run: "ep"), TaskConfig(name: "next", after: ["t"], run: "ep"),
        ], now: now)
        _ = cascading.fire("a", now: now)
        _ = try cascading.failed("t#1", error: "boom", now: now)
        let effects = try cascading.skip("t#1", cascade: true, result: kw(["fallback": true]), now: now)
        #expect(runs(effects) == ["next#1"])
        #expect(kwargs(effects, "next#1") == kw(["t": .object(kw(["fallback": true]))]))
        #expect(throws: CourierError.self) { try cascading.skip("t#1", cascade: false, result: nil, now: now) }
    }

    @Test func finalizationFiresExactlyOnceWhenOnlyItsWaitersAreLeft() throws {
        var session = Session(uid: "s", finalizeTrigger: "sessionFinalized")
        _ = session.configure([
            TaskConfig(name: "createApplicant", after: ["start"], run: "crm"),
            TaskConfig(name: "computeScore", after: ["createApplicant", "sessionFinalized"], run: "scoring"),
        ], now: now)
        #expect(runs(session.fire("start", now: now)) == ["createApplicant#1"])
        #expect(!session.finalized, "createApplicant is still unresolved")
        let effects = try session.finished("createApplicant#1", result: kw(["id": 1]), now: now)
        #expect(session.finalized)
        #expect(runs(effects) == ["computeScore#1"], "finalizing lets the score run")
        _ = try session.finished("computeScore#1", result: JSONObject(), now: now)
        _ = session.fire("start", now: now)
        #expect(session.fired.keys.filter { $0 == "sessionFinalized" }.count == 1)
        #expect(session.instances.filter { $0.task == "computeScore" }.count == 1, "finalized once")
    }

    /// Triggers fired before a task was configured count for it, an `andEvery` task's too: it
    /// gets one instance, as if its trigger fired now, and another at each firing after.
    @Test func anAndEveryTaskConfiguredAfterItsTriggerFiredGetsAnInstance() throws {
        var session = Session(uid: "s")
        _ = session.fire("tick", kwargs: kw(["n": 1]), now: now)
        _ = session.fire("tick", kwargs: kw(["n": 2]), now: now)
        let effects = session.configure([TaskConfig(name: "count", after: ["tick"], run: "ep", andEvery: "tick")], now: now)
        #expect(runs(effects) == ["count#1"])
        #expect(kwargs(effects, "count#1") == kw(["tick": .object(kw(["n": 2]))]), "the last firing's kwargs")
        #expect(runs(session.fire("tick", kwargs: kw(["n": 3]), now: now)) == ["count#2"])
    }

    /// A task that waits on the finalize trigger through another task (`r` after `s`, which
    /// waits on it) does not hold finalization back: each would wait for the other forever.
    @Test func tasksWaitingOnTheFinalizeTriggerThroughAnotherDoNotHoldItBack() throws {
        var session = Session(uid: "s", finalizeTrigger: "fin")
        _ = session.configure([
            TaskConfig(name: "a", after: ["x"], run: "ep"),
            TaskConfig(name: "s", after: ["a", "fin"], run: "ep"),
            TaskConfig(name: "r", after: ["s"], run: "ep"),
        ], now: now)
        #expect(runs(session.fire("x", now: now)) == ["a#1"])
        #expect(!session.finalized, "a is still unresolved")
        let effects = try session.finished("a#1", result: JSONObject(), now: now)
        #expect(session.finalized)
        #expect(runs(effects) == ["s#1"])
        #expect(runs(try session.finished("s#1", result: JSONObject(), now: now)) == ["r#1"])
        _ = try session.finished("r#1", result: JSONObject(), now: now)
        #expect(session.unresolvedTasks.isEmpty)
    }

    /// Fired by hand, the finalize trigger has fired: it is not fired again once the rest
    /// resolves (which ran an `andEvery` task twice and overwrote the caller's kwargs).
    @Test func theFinalizeTriggerFiredByHandFinalizes() throws {
        var session = Session(uid: "s", finalizeTrigger: "fin")
        _ = session.configure([
            TaskConfig(name: "a", after: ["x"], run: "ep"),
            TaskConfig(name: "z", after: ["fin"], run: "ep", andEvery: "fin"),
        ], now: now)
        #expect(runs(session.fire("fin", kwargs: kw(["by": "client"]), now: now)) == ["z#1"])
        #expect(session.finalized)
        #expect(runs(session.fire("x", now: now)) == ["a#1"])
        _ = try session.finished("a#1", result: JSONObject(), now: now)
        #expect(session.instances.filter { $0.task == "z" }.count == 1, "z ran once: \(session.instances.map(\.name))")
        #expect(session.fired["fin"] == .object(kw(["by": "client"])), "the caller's kwargs stay")
    }

    @Test func aFailedInstanceHoldsFinalizationBack() throws {
        var session = Session(uid: "s", finalizeTrigger: "done")
        _ = session.configure([TaskConfig(name: "t", after: ["a"], run: "ep")], now: now)
        _ = session.fire("a", now: now)
        _ = try session.failed("t#1", error: "x", now: now)
        #expect(!session.finalized)
        _ = try session.skip("t#1", cascade: false, result: nil, now: now)
        #expect(session.finalized, "once skipped, nothing is unresolved")
    }

    @Test func sessionsAreIndependentValues() {
        var one = applicant()
        let two = applicant()
        _ = one.fire("startSession", now: now)
        _ = one.fire("observationsReceived", now: now)
        #expect(one.instances.count == 1 && two.instances.isEmpty)
    }

    @Test func taskConfigsAreReadStrictly() throws {
        let good = try JSONParser.parse(#"{"after":["a","b"],"run":"crm","unless":["stop"],"andEvery":"m","withParams":{"a":{"k":1}}}"#)
        let config = try TaskConfig(name: "t", json: good, path: "tasks.t")
        #expect(config.after == ["a", "b", "m"] && config.unless == ["stop"] && config.andEvery == "m")
        for (bad, field) in [
            (#"{"run":"crm"}"#, "tasks.t.after"), (#"{"after":[],"run":"crm"}"#, "tasks.t.after"), (#"{"after":["a"]}"#, "tasks.t.run"),
            (#"{"after":["a"],"run":"crm","colour":1}"#, "tasks.t.colour"), (#"{"after":["a"],"run":"crm","withParams":{"a":1}}"#, "tasks.t.withParams"),
            (#"{"after":["a b"],"run":"crm"}"#, "tasks.t.after[0]"), (#"{"after":["a"],"run":""}"#, "tasks.t.run"),
        ] {
            #expect(throws: CourierError.self, "\(bad)") { try TaskConfig(name: "t", json: try JSONParser.parse(bad), path: "tasks.t") }
            do {
                _ = try TaskConfig(name: "t", json: try JSONParser.parse(bad), path: "tasks.t")
            } catch let error as CourierError {
                #expect(error.field == field, "\(bad): \(error)")
            }
        }
        #expect(throws: CourierError.self) { try TaskConfig(name: "has#hash", json: good, path: "tasks.x") }
    }
}
