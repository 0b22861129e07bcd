import Foundation

/// Runs `body`, and says on standard error what it was doing if it has not returned after
/// `limit`: for the awaits a test run has hung in.
///
/// A rare hang of the whole test run (about one full run in seven) leaves every thread idle,
/// so a debugger's stacks cannot show which `await` never resumed. Each place a test waits on
/// something outside its own code (a server's shutdown, a store's close, a child process)
/// reports itself here, and the next hang names its place in the log that `scripts/test`'s
/// watchdog prints. The limit is longer than any of those operations' own timeouts (60 s), so
/// a report means a wait that nothing will end, not a slow machine. The time is kept by
/// ``StallWatch``'s own thread, not by `Task.sleep`, so that a report still comes if Swift's
/// concurrency runtime is what stalled.
///
/// `what` is read when the report is made, so it can say what is still outstanding then
/// (which services have not yet stopped, say), not what was at the start.
public func reportingStall<T>(
    _ what: @escaping @Sendable @autoclosure () -> String, after limit: Duration = .seconds(120),
    report: @escaping @Sendable (String) -> Void = StallReport.write, _ body: () async throws -> T
) async rethrows -> T {
    let ticket = StallWatch.shared.begin(what, limit: limit, report: report)
    defer { StallWatch.shared.end(ticket) }
    return try await body()
}

/// Where stall reports go.
public enum StallReport {
    /// Writes `line` to standard error at once (unbuffered), so it is seen even if the
    /// process is killed next.
    @Sendable public static func write(_ line: String) {
        FileHandle.standardError.write(Data("\(line)\n".utf8))
    }
}
