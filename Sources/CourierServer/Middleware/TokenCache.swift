import Courier
import Synchronization

/// Token hashes already checked against the store, each for ``lifetime``.
///
/// A deleted token leaves the cache of the node that deleted it at once; other nodes sharing
/// the database read the store again once their entry is ``lifetime`` old, so a revoked token
/// stops working everywhere within that. The size is bounded so that a flood of tokens cannot
/// grow it without end.
final class TokenCache: Sendable {
    static let lifetime: Duration = .seconds(30)
    private static let capacity = 10_000

    private let lifetime: Duration
    private let entries = Mutex<[String: (principal: Principal, at: ContinuousClock.Instant)]>([:])
    /// Hashes removed within the lifetime: a request that read the token from the store just
    /// before it was deleted must not put it back.
    private let removed = Mutex<[String: ContinuousClock.Instant]>([:])

    init(lifetime: Duration = TokenCache.lifetime) {
        self.lifetime = lifetime
    }

    func get(_ hash: String) -> Principal? {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard let entry = entries[hash] else { return nil }
            guard now - entry.at < lifetime else {
                entries[hash] = nil
                return nil
            }
            return entry.principal
        }
    }

    func put(_ hash: String, _ principal: Principal) {
        let now = ContinuousClock.now
        let revoked = removed.withLock { removed in
            removed = removed.filter { now - $0.value < lifetime }
            return removed[hash] != nil
        }
        guard !revoked else { return }
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll() }
            entries[hash] = (principal, now)
        }
    }

    func remove(_ hash: String) {
        let now = ContinuousClock.now
        removed.withLock { $0[hash] = now }
        _ = entries.withLock { $0.removeValue(forKey: hash) }
    }
}
