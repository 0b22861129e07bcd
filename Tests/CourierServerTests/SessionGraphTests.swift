import Courier
import Foundation
import Testing

@testable import CourierServer

/// The session drawing: who waits on whom, laid out left to right, with names escaped.
@Suite struct SessionGraphTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func theApplicantExampleIsDrawnEachTaskAfterWhatItWaitsForAndEachTriggerJustBeforeItsTask() {
        var session = Session(uid: "applicant:42", finalizeTrigger: "sessionFinalized")
        _ = session.configure([
            TaskConfig(name: "create", after: ["startSession", "observationsReceived"], run: "crm"),
            TaskConfig(name: "score", after: ["create", "sessionFinalized"], run: "scorer", unless: ["withdrawn"]),
        ], now: now)
        _ = session.fire("startSession", now: now)
        let (nodes, edges) = SessionGraph.layout(session)
        let byName = Dictionary(nodes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(byName.keys.sorted() == ["create", "observationsReceived", "score", "sessionFinalized", "startSession", "withdrawn"])
        #expect(nodes.filter { $0.column == 0 }.map(\.name) == ["observationsReceived", "startSession"])
        #expect(nodes.filter { $0.column == 1 }.map(\.name) == ["create", "sessionFinalized", "withdrawn"], "triggers just before their task")
        #expect(byName["startSession"]?.state == "fired" && byName["observationsReceived"]?.state == "waiting")
        #expect(byName["create"]?.column == 1 && byName["create"]?.isTask == true)
        #expect(byName["create"]?.state == "unstarted", "one of its two triggers is in")
        #expect(byName["score"]?.column == 2 && byName["score"]?.state == "waiting", "no instance yet")
        #expect(Set(edges.map { "\($0.from)>\($0.to)\($0.unless ? "!" : "")" }) == [
            "startSession>create", "observationsReceived>create", "create>score", "sessionFinalized>score", "withdrawn>score!",
        ])
        let svg = SessionGraph.svg(session)
        #expect(svg.contains("class=\"edge unless\""))
        #expect(svg.contains("<title>finalize trigger sessionFinalized: waiting</title>"))
        #expect(svg.components(separatedBy: "<g class=\"node").count - 1 == 6)
    }

    @Test func namesAreEscapedAndACycleIsDrawnNotFollowedForever() {
        var session = Session(uid: "s")
        _ = session.configure([
            TaskConfig(name: "a", after: ["b", "<script>&\"x"], run: "crm"),
            TaskConfig(name: "b", after: ["a"], run: "crm"),
        ], now: now)
        let svg = SessionGraph.svg(session)
        #expect(svg.contains("&lt;script&gt;&amp;\"x"))
        #expect(!svg.contains("<script>"))
        #expect(SessionGraph.layout(session).nodes.count == 3)
        #expect(SessionGraph.svg(Session(uid: "empty")).isEmpty, "nothing configured, nothing drawn")
    }
}
