#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// A child process started with `posix_spawn`, for tests that run programs (the `courier`
/// executable, python3, psql).
///
/// Not Foundation's `Process`: on Linux (Swift 6.3.1) its `run()` reads past the end of a
/// directory entry while it lists `/proc/self/fd`, and now and then that crashes the whole test
/// process (swift-corelibs-foundation#5472). Here the child closes every descriptor above 2
/// through `posix_spawn_file_actions_addclosefrom_np`, and nothing is listed.
public final class ChildProcess: Sendable {
    /// How a process ended.
    public enum Termination: Sendable, Hashable {
        case exited(Int32)
        case signalled(Int32)

        /// The exit code, or the number of the signal that ended it (as `Process` reports it).
        public var status: Int32 {
            switch self {
            case .exited(let code), .signalled(let code): code
            }
        }
    }

    public let pid: pid_t
    /// The command line, for reports.
    private let commandLine: String
    private let ending: Ending
    /// Set once the child is reaped: its pid may then be another process's.
    private let reaped: ReapedFlag

    /// Starts `executable` with exactly `arguments` and `environment`. Standard input reads
    /// `input` (or `/dev/null`); standard output and standard error are appended to the files
    /// at `output` and `errors` (the same file when `errors` is nil).
    public init(
        executable: String, arguments: [String], environment: [String: String], input: String? = nil, output: String,
        errors: String? = nil
    ) throws {
        let pid = try Self.spawn(executable, arguments, environment: environment, input: input, output: output, errors: errors)
        self.pid = pid
        commandLine = ([executable] + arguments).joined(separator: " ")
        let ending = Ending()
        self.ending = ending
        let reaped = ReapedFlag()
        self.reaped = reaped
        // waitpid blocks, so it gets a thread of its own rather than one of the cooperative pool's.
        Thread.detachNewThread {
            let termination = Self.reap(pid)
            reaped.value.store(true, ordering: .releasing)
            Task { await ending.end(termination) }
        }
    }

    private static func spawn(
        _ executable: String, _ arguments: [String], environment: [String: String], input: String?, output: String, errors: String?
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, input ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if let errors {
            posix_spawn_file_actions_addopen(&actions, 2, errors, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        _ = closeFrom?(&actions, 3)

        let argv = ([executable] + arguments).map { strdup($0) }
        let envp = environment.map { strdup("\($0.key)=\($0.value)") }
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let result = (argv + [nil]).withUnsafeBufferPointer { argvBuffer in
            (envp + [nil]).withUnsafeBufferPointer { envpBuffer in
                posix_spawn(&pid, executable, &actions, nil, argvBuffer.baseAddress!, envpBuffer.baseAddress!)
            }
        }
        guard result == 0 else {
            throw ChildProcessFailure(message: "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// Waits for the child to end and reaps it.
    private static func reap(_ pid: pid_t) -> Termination {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        // WIFEXITED and friends are macros Swift cannot import.
        return status & 0x7F == 0 ? .exited((status >> 8) & 0xFF) : .signalled(status & 0x7F)
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc
    /// module does not declare; without it the child keeps whatever descriptors lack close-on-exec.
    private static let closeFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    public func signal(_ signal: Int32) {
        kill(pid, signal)
    }

    /// How it ended, once it has.
    public func termination() async -> Termination {
        let waiting = "waiting for process \(pid) to end (\(commandLine))"
        return await reportingStall(waiting) { await ending.wait() }
    }

    /// How it ended, or nil while it still runs.
    public func ended() async -> Termination? {
        await ending.termination
    }

    deinit {
        // A test that forgot its child must not leave it running: waitpid's thread reaps it.
        if !reaped.value.load(ordering: .acquiring) { kill(pid, SIGKILL) }
    }
}

private final class ReapedFlag: Sendable {
    let value = Atomic(false)
}

/// The end of a child process, and who waits for it.
private actor Ending {
    var termination: ChildProcess.Termination?
    private var waiters: [CheckedContinuation<ChildProcess.Termination, Never>] = []

    func end(_ termination: ChildProcess.Termination) {
        self.termination = termination
        for waiter in waiters { waiter.resume(returning: termination) }
        waiters = []
    }

    func wait() async -> ChildProcess.Termination {
        if let termination { return termination }
        return await withCheckedContinuation { waiters.append($0) }
    }
}

public struct ChildProcessFailure: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
