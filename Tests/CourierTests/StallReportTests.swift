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

/// The watch behind those reports, which keeps time on a thread of its own (see ``StallWatch``).
@Suite struct StallWatchTests {
    @Test func aSilentHeartbeatIsReportedOnceWithTheWaitsOutstanding() async throws {
        let lines = Lines()
        let watch = StallWatch(staleAfter: .milliseconds(200), report: lines.append)
        let ticket = watch.begin({ "closing a store" }, limit: .seconds(600), report: lines.append)
        defer { watch.end(ticket) }
        let deadline = ContinuousClock.now + .seconds(60)
        while lines.all.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        // Silent for three times as long again: still one report.
        try await Task.sleep(for: .milliseconds(600))
        let reported = lines.all
        #expect(reported.count == 1, "\(reported)")
        #expect(reported.first?.hasPrefix("STALLED: a 1 s Task.sleep has not resumed for ") == true, "\(reported)")
        #expect(reported.first?.contains("waits outstanding: closing a store (for ") == true, "\(reported)")
    }

    @Test func aBeatingHeartbeatIsNotReportedAndASilenceAfterBeatsIsReportedAgain() async throws {
        let lines = Lines()
        // Beats 20 ms apart against a silence of 2 s: a loaded machine's delays stay far below it.
        let watch = StallWatch(staleAfter: .seconds(2), report: lines.append)
        let beating = Task {
            while !Task.isCancelled {
                watch.beat()
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        try await Task.sleep(for: .seconds(3))
        beating.cancel()
        _ = await beating.value
        #expect(lines.all.isEmpty, "\(lines.all)")
        let deadline = ContinuousClock.now + .seconds(60)
        while lines.all.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(lines.all.count == 1, "\(lines.all)")
        #expect(lines.all.first?.hasSuffix("waits outstanding: none") == true, "\(lines.all)")
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
