import Foundation

/// The session and instance a task's delivery runs; kept on the delivery so that its outcome
/// finds its way back to the instance.
public struct TaskRef: Sendable, Hashable {
    public var session: String
    public var instance: String

    public init(session: String, instance: String) {
        self.session = session
        self.instance = instance
    }
}

/// What a store writes after a session change, worked out by ``Session/carryOut(_:now:endpoint:)``:
/// a delivery per run, and the pending deliveries to cancel.
public struct SessionWork: Sendable {
    /// One instance's run: an event of type ``Session/taskEventType`` with `payload`, delivered
    /// to one endpoint.
    public struct Run: Sendable {
        public var instance: String
        public var endpoint: Endpoint
        /// `{"session", "task", "instance", "kwargs"}`: exactly what the endpoint receives.
        public var payload: [UInt8]
    }

    public var runs: [Run] = []
    /// Instances whose delivery, if it has not been sent yet, must not be.
    public var cancels: [String] = []
}

extension Session {
    /// The type of the events that carry task runs; they are never fanned out to subscribers.
    public static let taskEventType = "courier.task"

    /// How a task's delivery ended, as far as its instance is concerned.
    public enum RunOutcome: Sendable, Hashable {
        /// A request was made and the delivery goes on (it will be retried).
        case started
        /// The receiver (or handler) answered with this result.
        case finished(JSONObject)
        /// The delivery failed for good, was cancelled, or its endpoint was deleted.
        case failed(String)
    }

    /// Marks as running the scheduled instances whose deliveries are leased: their requests
    /// may be at the receiver already. A store calls it before each change, so that `unless`
    /// abandons only runs not yet sent (EFL's semantics) and never cancels one under way, whose
    /// answer would then be thrown away.
    public mutating func runsUnderWay(_ instances: [String], now: Date) {
        for instance in instances { try? started(instance, now: now) }
    }

    /// Applies what happened to an instance's delivery, and returns what follows (the cascade).
    public mutating func runEnded(_ instance: String, _ outcome: RunOutcome, now: Date) throws(CourierError) -> [Effect] {
        switch outcome {
        case .started:
            try started(instance, now: now)
            return []
        case .finished(let result):
            return try finished(instance, result: result, now: now)
        case .failed(let error):
            return try failed(instance, error: error, now: now)
        }
    }

    /// Turns effects into work for the store, resolving each run's target with `endpoint` (an
    /// endpoint's name or id in the session's tenant). A run whose target names no endpoint
    /// fails its instance at once, and what that failure causes is carried out too.
    public mutating func carryOut(
        _ effects: [Effect], now: Date, endpoint: (String) throws -> Endpoint?
    ) throws -> SessionWork {
        var queue = effects[...]
        var work = SessionWork()
        while let effect = queue.popFirst() {
            switch effect {
            case .run(let instance, let task, let target, let kwargs):
                guard let resolved = try endpoint(target) else {
                    queue += try failed(instance, error: "no endpoint has the name or id \(target)", now: now)
                    continue
                }
                var object = JSONObject()
                object.append("session", .string(uid))
                object.append("task", .string(task))
                object.append("instance", .string(instance))
                object.append("kwargs", .object(kwargs))
                var writer = JSONWriter()
                writer.write(.object(object))
                work.runs.append(.init(instance: instance, endpoint: resolved, payload: writer.bytes))
            case .cancel(let instance):
                // A run made by this very change is simply not made.
                if let index = work.runs.firstIndex(where: { $0.instance == instance }) {
                    work.runs.remove(at: index)
                } else {
                    work.cancels.append(instance)
                }
            }
        }
        return work
    }

    /// Reads a task's result from a 2xx answer: a JSON object, or nothing at all (`{}`).
    /// Anything else is why the instance cannot finish.
    public static func result(fromResponse body: [UInt8], truncated: Bool) -> Result<JSONObject, TaskResultError> {
        if truncated { return .failure(TaskResultError(message: "the task's answer is too large to keep as its result")) }
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return .success(JSONObject()) }
        guard let object = (try? JSONParser.parse(body))?.objectValue else {
            return .failure(TaskResultError(message: "the task's answer is not a JSON object"))
        }
        return .success(object)
    }
}

/// Why a 2xx answer to a task's run cannot be its result.
public struct TaskResultError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
