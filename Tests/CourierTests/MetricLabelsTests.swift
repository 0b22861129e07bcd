import Foundation
@testable import Courier
import Testing

@Suite struct MetricLabelsTests {
    @Test func theFirstValuesKeepTheirLabelsAndTheRestShareOther() {
        let labels = MetricLabels(limit: 2)
        #expect(labels.label("a") == "a")
        #expect(labels.label("b") == "b")
        #expect(labels.label("c") == MetricLabels.other)
        #expect(labels.label("a") == "a", "an admitted value keeps its series")
        #expect(labels.label("d") == MetricLabels.other)
    }

    /// One tenant's many endpoints use up its own budget, not every tenant's.
    @Test func eachGroupHasABudgetOfItsOwnUnderTheOverallOne() {
        let labels = MetricLabels(limit: 5, perGroup: 2)
        #expect(["a1", "a2", "a3", "a4"].map { labels.label($0, within: "a") } == ["a1", "a2", "other", "other"])
        #expect(["b1", "b2"].map { labels.label($0, within: "b") } == ["b1", "b2"], "the noisy tenant left b its budget")
        #expect(labels.label("a1", within: "a") == "a1", "an admitted value keeps its series")
        #expect(["c1", "c2"].map { labels.label($0, within: "c") } == ["c1", "other"], "the overall budget still holds")
    }

    @Test func noTenantMayBeNamedAsTheOverflowLabel() {
        let error = #expect(throws: CourierError.self) { try Tenant.validate(id: MetricLabels.other) }
        #expect(error?.field == "id")
        #expect(throws: Never.self) { try Tenant.validate(id: "others") }
    }

    @Test func aSeriesThatWentAwayIsShownAsZeroNotForgotten() {
        let first = BacklogMetrics.show(
            Backlog(byState: [.init(tenantID: "t", key: "pending", count: 3)], byEndpoint: [], endpoints: []), replacing: []
        )
        #expect(first == [["courier_backlog_deliveries", "t", "state", "pending"]])
        let second = BacklogMetrics.show(Backlog(byState: [], byEndpoint: [], endpoints: []), replacing: first)
        #expect(second == first, "still shown (as 0) once drained")
    }

    @Test func endpointsAreCountedByCondition() {
        let now = Date(timeIntervalSince1970: 1000)
        let counts = Backlog.conditions(of: [
            (id: "a", tenant: "t", status: .active, cooldownUntil: nil),
            (id: "b", tenant: "t", status: .active, cooldownUntil: now.addingTimeInterval(5)),
            (id: "c", tenant: "t", status: .active, cooldownUntil: now.addingTimeInterval(-5)),
            (id: "d", tenant: "t", status: .paused, cooldownUntil: nil),
            (id: "e", tenant: "u", status: .disabled, cooldownUntil: nil),
        ], now: now)
        #expect(counts == [
            .init(tenantID: "t", key: "active", count: 2), .init(tenantID: "t", key: "coolingDown", count: 1),
            .init(tenantID: "t", key: "paused", count: 1), .init(tenantID: "u", key: "disabled", count: 1),
        ])
    }
}
