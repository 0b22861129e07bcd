import Courier
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Notices when the database file Courier has open is no longer the one at its path.
///
/// A file deleted (or replaced) under a running server goes on taking writes through the open
/// connections, and every event acknowledged from then on is gone at the next start. SQLite
/// cannot tell; the path's device and inode can. The writer looks before a transaction, at
/// most once a ``interval``, and from the first time the file is gone every write is refused
/// (`503`) and `/healthz` fails, until Courier is restarted on a file that is there.
final class SQLiteFileWatch: Sendable {
    static let interval: Duration = .seconds(1)

    private let path: String
    private let identity: (device: UInt64, inode: UInt64)?
    private let state = Mutex<(checkedAt: ContinuousClock.Instant, failure: CourierError?)>((.now, nil))

    init(path: String) {
        self.path = path
        identity = Self.identity(of: path)
    }

    /// Why writes are refused, once the file has gone.
    var failure: CourierError? { state.withLock { $0.failure } }

    /// Looks again when the last look is older than ``interval``; the failure, if any.
    func check() -> CourierError? {
        let now = ContinuousClock.now
        let due = state.withLock { state -> Bool in
            guard state.failure == nil, now - state.checkedAt >= Self.interval else { return false }
            state.checkedAt = now
            return true
        }
        guard due, let identity else { return failure }
        let current = Self.identity(of: path)
        guard current == nil || current! != identity else { return nil }
        let failure = CourierError(
            .unavailable, code: "store_unavailable",
            message: "the database file \(path) was deleted or replaced while Courier had it open; "
                + "writes are refused, since nothing written now would be there after a restart. Restart Courier"
        )
        state.withLock { $0.failure = failure }
        return failure
    }

    private static func identity(of path: String) -> (device: UInt64, inode: UInt64)? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return (UInt64(status.st_dev), UInt64(status.st_ino))
    }
}
