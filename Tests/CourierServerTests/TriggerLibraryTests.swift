import Courier
import CourierPostgres
import CourierTesting
import Foundation
import Logging
import NIOCore
import Synchronization
import Testing

/// The trigger engine as a Swift library: a store, registered handlers, the delivery engine as
/// a service, and ``Triggers`` to configure, fire and inspect. No HTTP anywhere.
@Suite struct TriggerLibraryTests {
    /// Runs `body` with the engine running `handlers` over a fresh store.
    static func withEngine(
        _ kind: StoreKind, handlers: TaskHandlers, requestTimeout: TimeAmount = .seconds(10),
        _ body: (Triggers) async throws -> Void
    ) async throws {
        try await TestServer.withStore(kind) { store in
            var logger = Logger(label: "courier.test")
            logger.logLevel = .warning
            let engine = DeliveryEngine(
                store: store,
                configuration: .init(
                    sender: .init(requestTimeout: requestTimeout), shutdownGrace: 2, resyncInterval: store is PostgresStore ? 5 : 30
                ),
                handlers: handlers, logger: logger
            )
            try await TestServer.running([engine], logger: logger) { try await body(Triggers(store: store)) }
        }
    }

    /// Polls the session until `condition` holds, and returns it.
    @discardableResult
    static func waitFor(_ triggers: Triggers, _ uid: String, until condition: (Session) -> Bool) async throws -> Session {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let session = try await triggers.session(uid), condition(session) { return session }
            try await Task.sleep(for: .milliseconds(20))
        }
        let last = try await triggers.session(uid)
        Issue.record("session \(uid) did not reach the expected state: \(last.map { String(decoding: $0.json.bytes, as: UTF8.self) } ?? "none")")
        return try #require(last)
    }

    @Test(arguments: StoreKind.all) func handlersRunTheApplicantExampleInProcess(_ kind: StoreKind) async throws {
        let calls = Mutex<[TaskCall]>([])
        var handlers = TaskHandlers()
        // As in the README.
        handlers.register("createApplicant") { call in
            calls.withLock { $0.append(call) }
            let name = call.kwargs["startSession"]?.objectValue?["name"] ?? .null
            return ["applicantId": 42, "name": name]
        }
        handlers.register("computeScore") { call in
            calls.withLock { $0.append(call) }
            return ["score": 7]
        }
        try await Self.withEngine(kind, handlers: handlers) { triggers in
            for name in ["createApplicant", "computeScore"] { try await triggers.handlerEndpoint(named: name) }
            let again = try await triggers.handlerEndpoint(named: "computeScore")
            #expect(again.url == "handler:computeScore", "made once, found after")
            try await triggers.configure("applicant:42", tasks: [
                TaskConfig(name: "create", after: ["startSession", "observationsReceived"], run: "createApplicant"),
                TaskConfig(name: "score", after: ["create", "sessionFinalized"], run: "computeScore"),
            ], finalizeTrigger: "sessionFinalized")
            try await triggers.fire("observationsReceived", in: "applicant:42", kwargs: JSONObject(["count": 2]))
            try await triggers.fire("startSession", in: "applicant:42", kwargs: ["name": "Zoë"])
            let session = try await Self.waitFor(triggers, "applicant:42") { $0.instance("score#1")?.status == .finished }
            #expect(session.instance("create#1")?.result == JSONObject(["applicantId": 42, "name": "Zoë"]))
            #expect(session.instance("score#1")?.result == JSONObject(["score": 7]))
            #expect(session.unresolvedTasks.isEmpty && session.finalized)
            let made = calls.withLock { $0 }
            #expect(made.map(\.instance) == ["create#1", "score#1"], "each handler ran once")
            #expect(made.first?.session == "applicant:42")
            #expect(made.last?.kwargs == JSONObject([
                "create": .object(JSONObject(["applicantId": 42, "name": "Zoë"])), "sessionFinalized": .object(JSONObject()),
            ]))
            // On record like every delivery.
            let runs = try await triggers.store.deliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(), page: PageRequest())
            #expect(runs.items.count == 2 && runs.items.allSatisfy { $0.state == .succeeded && $0.task != nil })
        }
    }

    @Test(arguments: StoreKind.all) func aThrowingHandlerIsRetriedThenFailsAndIsReplayed(_ kind: StoreKind) async throws {
        struct Refused: Error {}
        let failuresLeft = Mutex(1)
        var handlers = TaskHandlers()
        handlers.register("charge") { call in
            if failuresLeft.withLock({ left in defer { left -= 1 }; return left > 0 }) { throw Refused() }
            return JSONObject(["amount": call.kwargs["placed"]?.objectValue?["amount"] ?? .null])
        }
        try await Self.withEngine(kind, handlers: handlers) { triggers in
            try await triggers.handlerEndpoint(named: "charge", retry: .delays([0.05]))
            try await triggers.configure("order:1", tasks: [TaskConfig(name: "charge", after: ["placed"], run: "charge")])
            try await triggers.fire("placed", in: "order:1", kwargs: JSONObject(["amount": 5]))
            var session = try await Self.waitFor(triggers, "order:1") { $0.instance("charge#1")?.status == .finished }
            #expect(session.instance("charge#1")?.result == JSONObject(["amount": 5]), "the retry succeeded")
            let first = try #require(try await triggers.store.deliveries(
                tenantID: Tenant.defaultID, filter: DeliveryFilter(), page: PageRequest()
            ).items.first)
            #expect(first.attemptCount == 2)

            // Throwing on every attempt: once the retries are spent the instance fails, with the reason.
            failuresLeft.withLock { $0 = 100 }
            try await triggers.configure("order:2", tasks: [TaskConfig(name: "charge", after: ["placed"], run: "charge")])
            try await triggers.fire("placed", in: "order:2", kwargs: JSONObject(["amount": 6]))
            session = try await Self.waitFor(triggers, "order:2") { $0.instance("charge#1")?.status == .failed }
            #expect(session.instance("charge#1")?.error == "the handler charge threw: Refused()")

            // Replayed with replacement kwargs once the handler works again.
            failuresLeft.withLock { $0 = 0 }
            session = try await triggers.replay("charge#1", in: "order:2", kwargs: JSONObject(["placed": .object(JSONObject(["amount": 9]))]))
            #expect(session.instance("charge#1")?.status == .replayed)
            session = try await Self.waitFor(triggers, "order:2") { $0.instance("charge#2")?.status == .finished }
            #expect(session.instance("charge#2")?.result == JSONObject(["amount": 9]))
            #expect(session.instance("charge#2")?.parent == "charge#1" && session.instance("charge#2")?.depth == 1)

            // A trigger applies once per instance; the wrong calls are errors that change nothing.
            session = try await triggers.fire("placed", in: "order:1", kwargs: JSONObject(["amount": 7]))
            #expect(session.instances.count == 1, "no second charge")
            await #expect(throws: CourierError.conflict(
                "charge#1 is finished; only a failed instance can be replayed", code: "invalid_state"
            )) { try await triggers.replay("charge#1", in: "order:1") }
            await #expect(throws: CourierError.self) { try await triggers.fire("bad name", in: "order:1") }
            await #expect(throws: CourierError.notFound("instance")) { try await triggers.skip("charge#9", in: "order:1") }
            await #expect(throws: CourierError.notFound("session")) { try await triggers.skip("charge#1", in: "order:9") }
        }
    }

    @Test(arguments: StoreKind.all) func aRunWithNoHandlerFailsAndIsReplayedOnceOneIsThere(_ kind: StoreKind) async throws {
        var handlers = TaskHandlers()
        handlers.register("echo") { call in call.kwargs }
        try await Self.withEngine(kind, handlers: handlers) { triggers in
            try await triggers.handlerEndpoint(named: "missing", retry: .delays([]))
            try await triggers.handlerEndpoint(named: "echo")
            try await triggers.configure("s", tasks: [
                TaskConfig(name: "first", after: ["go"], run: "missing"),
                TaskConfig(name: "second", after: ["first"], run: "echo"),
            ])
            try await triggers.fire("go", in: "s")
            var session = try await Self.waitFor(triggers, "s") { $0.instance("first#1")?.status == .failed }
            #expect(session.instance("first#1")?.error == "no handler named missing is registered in this process")
            session = try await triggers.skip("first#1", in: "s", cascade: true, result: JSONObject(["by": "hand"]))
            #expect(session.instance("first#1")?.status == .skipped)
            session = try await Self.waitFor(triggers, "s") { $0.instance("second#1")?.status == .finished }
            #expect(session.instance("second#1")?.result == JSONObject(["first": .object(JSONObject(["by": "hand"]))]))
        }
    }

    @Test func aStuckHandlerIsCutOffLikeARequestThatTimesOut() async throws {
        var handlers = TaskHandlers()
        handlers.register("stuck") { _ in
            // Deaf to cancellation, as stuck code is.
            await withCheckedContinuation { done in DispatchQueue.global().asyncAfter(deadline: .now() + 3) { done.resume() } }
            return [:]
        }
        try await Self.withEngine(.sqlite, handlers: handlers, requestTimeout: .milliseconds(300)) { triggers in
            try await triggers.handlerEndpoint(named: "stuck", retry: .delays([]))
            try await triggers.configure("s", tasks: [TaskConfig(name: "wait", after: ["go"], run: "stuck")])
            try await triggers.fire("go", in: "s")
            let session = try await Self.waitFor(triggers, "s") { $0.instance("wait#1")?.status == .failed }
            #expect(session.instance("wait#1")?.error == "the handler stuck did not return within 0.3 s")
        }
    }

    @Test(arguments: StoreKind.all) func concurrentFiringThroughTheLibraryEndsConsistent(_ kind: StoreKind) async throws {
        let runs = Mutex<[String]>([])
        var handlers = TaskHandlers()
        handlers.register("record") { call in
            runs.withLock { $0.append(call.instance) }
            return JSONObject()
        }
        try await Self.withEngine(kind, handlers: handlers) { triggers in
            try await triggers.handlerEndpoint(named: "record")
            let names = (0..<30).map { "t\($0)" }
            try await triggers.configure("s", tasks: [
                TaskConfig(name: "join", after: Set(names), run: "record"),
                TaskConfig(name: "each", after: ["tick"], run: "record", andEvery: "tick"),
            ])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for name in names {
                    group.addTask {
                        try await triggers.fire(name, in: "s")
                        try await triggers.fire("tick", in: "s")
                    }
                }
                try await group.waitForAll()
            }
            let session = try await Self.waitFor(triggers, "s") { $0.instances.count == 31 && $0.instances.allSatisfy { $0.status == .finished } }
            #expect(session.instance("join#1")?.kwargs.keys.count == 30)
            let ran = runs.withLock { $0 }
            #expect(ran.count == 31 && Set(ran).count == 31, "every instance ran once: \(ran.sorted())")
        }
    }
}
