import CourierTesting
import Foundation
import Synchronization
import Testing

/// The reports that name a test run's hung await (see ``reportingStall(_:after:report:_:)``).
@Suite struct StallReportTests {
    @Test func aWaitPastTheLimitIsReportedOnceWithWhatItWaitsOnThen() async throws {
        let lines = Lines()
        let phase = Phase()
        // The phase when the report was made. The watch keeps time on its own thread, so on a
        // loaded machine it can report before the body's first line has run: the report must
        // then name the start, and otherwise the receiver.
        let phaseAtReport = Lines()
        let report: @Sendable (String) -> Void = { line in
            phaseAtReport.append(phase.value)
            lines.append(line)
        }
        try await reportingStall("waiting on \(phase.value)", after: .milliseconds(50), report: report) {
            phase.value = "the receiver"
            try await lines.waitForAny()
            try await Task.sleep(for: .milliseconds(200))
        }
        let reported = lines.all
        #expect(reported.count == 1, "\(reported)")
        let then = phaseAtReport.all.first ?? "?"
        #expect(reported.first?.hasPrefix("STALLED: waiting on \(then) has not returned after ") == true, "\(reported)")
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
        defer { watch.stop() }
        let ticket = watch.begin({ "closing a store" }, limit: .seconds(600), report: lines.append)
        defer { watch.end(ticket) }
        try await lines.waitForAny()
        // Silent for three times as long again: still one report.
        try await Task.sleep(for: .milliseconds(600))
        let reported = lines.all
        #expect(reported.count == 1, "\(reported)")
        #expect(reported.first?.hasPrefix("STALLED: a 1 s Task.sleep has not resumed for ") == true, "\(reported)")
        #expect(reported.first?.contains("waits outstanding: closing a store (for ") == true, "\(reported)")
    }

    @Test func aBeatingHeartbeatIsNotReportedAndASilenceAfterBeatsIsReportedAgain() async throws {
        let lines = Lines()
        let watch = StallWatch(staleAfter: .milliseconds(500), report: lines.append)
        defer { watch.stop() }
        // Beats from a thread: in the full test run, beats given through `Task.sleep` every 20 ms
        // were seen to stop for over 2 s (a runtime starved by some forty suites on two cores),
        // which is what the shared watch reports, not what this test is about.
        let beating = Atomic<Bool>(true)
        // Counted by the beating thread as it stops, for the same reason.
        let reportsWhileBeating = Atomic<Int>(-1)
        Thread.detachNewThread {
            while beating.load(ordering: .relaxed) {
                watch.beat()
                usleep(20_000)
            }
            reportsWhileBeating.store(lines.all.count, ordering: .relaxed)
        }
        try await Task.sleep(for: .seconds(2))
        beating.store(false, ordering: .relaxed)
        while reportsWhileBeating.load(ordering: .relaxed) < 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(reportsWhileBeating.load(ordering: .relaxed) == 0, "\(lines.all)")
        try await lines.waitForAny()
        #expect(lines.all.count == 1, "\(lines.all)")
        #expect(lines.all.first?.hasSuffix("waits outstanding: none") == true, "\(lines.all)")
    }
}

private final class Lines: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    @Sendable func append(_ line: String) { lines.withLock { $0.append(line) } }

    /// Waits for the first line (a minute at most) rather than a fixed time, which a slow
    /// machine could outlast.
    func waitForAny() async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while all.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
    }
}

private final class Phase: Sendable {
    private let phase = Mutex("the start")
    var value: String {
        get { phase.withLock { $0 } }
        set { phase.withLock { $0 = newValue } }
    }
}
