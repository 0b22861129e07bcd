import CourierTesting
import Synchronization
import Testing

/// The reports that name a test run's hung await (see ``reportingStall(_:after:report:_:)``).
@Suite struct StallReportTests {
    @Test func aWaitPastTheLimitIsReportedOnceWithWhatItWaitsOnThen() async throws {
        let lines = Lines()
        let phase = Phase()
        try await reportingStall("waiting on \(phase.value)", after: .milliseconds(50), report: lines.append) {
            phase.value = "the receiver"
            // Waits for the report itself rather than a fixed time, so a slow machine cannot
            // end the body first.
            let deadline = ContinuousClock.now + .seconds(60)
            while lines.all.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            try await Task.sleep(for: .milliseconds(200))
        }
        let reported = lines.all
        #expect(reported.count == 1, "\(reported)")
        #expect(reported.first?.hasPrefix("STALLED: waiting on the receiver has not returned after ") == true, "\(reported)")
    }

    @Test func aWaitWithinTheLimitIsNotReported() async throws {
        let lines = Lines()
        let value = await reportingStall("a quick answer", after: .milliseconds(300), report: lines.append) { 42 }
        #expect(value == 42)
        try await Task.sleep(for: .milliseconds(600))
        #expect(lines.all.isEmpty, "the report of a wait that ended is cancelled")
    }
}

private final class Lines: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    @Sendable func append(_ line: String) { lines.withLock { $0.append(line) } }
}

private final class Phase: Sendable {
    private let phase = Mutex("the start")
    var value: String {
        get { phase.withLock { $0 } }
        set { phase.withLock { $0 = newValue } }
    }
}
