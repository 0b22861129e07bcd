import Foundation

/// Runs `body`, and says on standard error what it was doing if it has not returned after
/// `limit`: for the awaits a test run has hung in.
///
/// A rare hang of the whole test run (about one full run in seven) leaves every thread idle,
/// so a debugger's stacks cannot show which `await` never resumed. Each place a test waits on
/// something outside its own code (a server's shutdown, a store's close, a child process)
/// reports itself here, and the next hang names its place in the log that `scripts/test`'s
/// watchdog prints. The limit is longer than any of those operations' own timeouts (60 s), so
/// a report means a wait that nothing will end, not a slow machine.
public func reportingStall<T>(
    _ what: @autoclosure () -> String, after limit: Duration = .seconds(120), _ body: () async throws -> T
) async rethrows -> T {
    let description = what()
    let started = Date()
    let reporter = Task {
        try await Task.sleep(for: limit)
        StallReport.write("STALLED: \(description) has not returned after \(Int(Date().timeIntervalSince(started))) s")
    }
    defer { reporter.cancel() }
    return try await body()
}

/// Where stall reports go.
public enum StallReport {
    /// Writes `line` to standard error at once (unbuffered), so it is seen even if the
    /// process is killed next.
    public static func write(_ line: String) {
        FileHandle.standardError.write(Data("\(line)\n".utf8))
    }
}
