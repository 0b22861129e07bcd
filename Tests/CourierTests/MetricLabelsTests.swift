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
