import Synchronization

/// Hands a store's signals to every engine that listens, each on its own stream.
///
/// Stores call ``emit(_:)`` after a commit; nothing is sent for work that was rolled back.
public final class SignalHub: Sendable {
    private let subscribers = Mutex<[Int: AsyncStream<StoreSignal>.Continuation]>([:])
    private let nextID = Atomic<Int>(0)

    public init() {}

    public func stream() -> AsyncStream<StoreSignal> {
        let (stream, continuation) = AsyncStream<StoreSignal>.makeStream()
        let id = nextID.add(1, ordering: .relaxed).newValue
        subscribers.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        return stream
    }

    public func emit(_ signals: some Collection<StoreSignal>) {
        guard !signals.isEmpty else { return }
        let continuations = subscribers.withLock { Array($0.values) }
        for continuation in continuations {
            for signal in signals { continuation.yield(signal) }
        }
    }

    public func finish() {
        let continuations = subscribers.withLock { dict -> [AsyncStream<StoreSignal>.Continuation] in
            defer { dict = [:] }
            return Array(dict.values)
        }
        for continuation in continuations { continuation.finish() }
    }
}
