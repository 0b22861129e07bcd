import Foundation
import Logging
import ServiceLifecycle

/// Carries out bulk operations (see ``BulkOperation``), a chunk per transaction, until each
/// has finished or been cancelled.
///
/// Every node runs one. A new operation is taken up at once on the signal its start sends,
/// and every `interval` the runner looks for running operations anyway, which is how one
/// that a dead node left part way is finished elsewhere. Several runners may advance one
/// operation together: the store makes their advances take turns.
public struct BulkOperationRunner: Service {
    let store: any Store
    let interval: Duration
    let logger: Logger

    public init(store: any Store, interval: Duration = .seconds(5), logger: Logger = Logger(label: "courier.operations")) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        let signals = store.signals()
        let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        await cancelWhenGracefulShutdown { [interval] in
            await withDiscardingTaskGroup { group in
                group.addTask {
                    for await signal in signals {
                        if case .operationStarted = signal { wake.yield() }
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        wake.yield()
                        try? await Task.sleep(for: interval)
                    }
                    wake.finish()
                }
                for await _ in wakes {
                    await drain()
                }
                group.cancelAll()
            }
        }
    }

    /// Advances every running operation to its end, or until cancelled; what is left waits
    /// for the next wake-up, on this node or another. One that fails does not hold up the rest.
    func drain() async {
        let running: [String]
        do {
            // Abandoned at shutdown, as is an operation's step below: a database that went away
            // must not hold it up. A step is one transaction (``Store/advanceOperation(id:now:)``
            // says so), so an abandoned one happened whole or not at all, and the operation goes
            // on from its last committed step after a restart.
            running = try await Deadline.abandoningOnCancellation { [store] in try await store.runningOperations() }
        } catch is CancellationError where Task.isCancelled {
            return
        } catch {
            logger.warning("cannot list bulk operations", metadata: ["error": "\(error)"])
            return
        }
        for id in running {
            do {
                while !Task.isCancelled {
                    let step = try await Deadline.abandoningOnCancellation { [store] in try await store.advanceOperation(id: id, now: Date()) }
                    guard let operation = step, operation.status == .running else {
                        break
                    }
                }
            } catch is CancellationError where Task.isCancelled {
                return
            } catch {
                logger.warning("cannot advance a bulk operation", metadata: ["operation": "\(id)", "error": "\(error)"])
            }
        }
    }
}
