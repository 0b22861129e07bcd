#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a line to standard output at once (not buffered), so a pipe or a file sees it while
/// the server runs.
///
/// NIO ignores `SIGPIPE` for the whole process, so a reader that went away (`| head`) shows
/// up as `EPIPE` here rather than ending the process, and Foundation's `FileHandle.write`
/// traps on it. A closed pipe ends the command quietly with the status a shell gives a process
/// that `SIGPIPE` ended (141), as `ls | head` does; any other failure (a full disk) is one line
/// on standard error and status 1, not a crash.
func say(_ line: String) {
    switch Output.write(line + "\n", to: STDOUT_FILENO) {
    case 0:
        return
    case EPIPE:
        exit(141)
    case let failure:
        note("error: cannot write to standard output: \(String(cString: strerror(failure)))")
        exit(1)
    }
}

/// Writes a line to standard error at once, for progress and hints that must not mix with the
/// output a script reads from standard output. A failure here has nowhere to be reported.
func note(_ line: String) {
    _ = Output.write(line + "\n", to: STDERR_FILENO)
}

enum Output {
    /// Writes all of `text`; returns 0, or the `errno` of the write that failed.
    static func write(_ text: String, to descriptor: Int32) -> Int32 {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { buffer in
                #if canImport(Glibc)
                Glibc.write(descriptor, buffer.baseAddress, buffer.count)
                #else
                Darwin.write(descriptor, buffer.baseAddress, buffer.count)
                #endif
            }
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            bytes = bytes.dropFirst(written)
        }
        return 0
    }
}
