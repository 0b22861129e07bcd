import Foundation

/// Swift functions that run tasks in the process instead of an endpoint across the network:
/// the library's way to run a session's tasks.
///
/// A handler runs as a delivery all the same, to an endpoint whose URL is
/// `handler:<name>` (``Triggers/handlerEndpoint(named:)`` makes it), so it gets what every
/// delivery gets: it is stored before it runs, retried with backoff when it throws, held
/// while its endpoint is paused, and on record attempt by attempt. The server registers no
/// handlers and its API refuses such URLs.
public struct TaskHandlers: Sendable {
    /// Takes the run's kwargs (and which instance it is) and returns the instance's result,
    /// which cascades as its task's trigger kwargs. Throwing fails the attempt: it is retried
    /// under the endpoint's retry policy and, once that is spent, fails the instance.
    public typealias Handler = @Sendable (TaskCall) async throws -> JSONObject

    static let scheme = "handler:"

    private var handlers: [String: Handler] = [:]

    public init() {}

    public mutating func register(_ name: String, _ handler: @escaping Handler) {
        handlers[name] = handler
    }

    public subscript(name: String) -> Handler? { handlers[name] }

    /// The URL of the endpoint that runs handler `name`.
    public static func url(for name: String) -> String { scheme + name }

    /// The handler an endpoint's URL names, if it names one.
    static func name(inURL url: String) -> String? {
        url.hasPrefix(scheme) ? String(url.dropFirst(scheme.count)) : nil
    }
}

/// One run of a task handed to a ``TaskHandlers/Handler``.
public struct TaskCall: Sendable, Hashable {
    public var session: String
    public var task: String
    public var instance: String
    /// The triggers' kwargs merged over the task's `withParams`, keyed by trigger.
    public var kwargs: JSONObject

    /// Reads the payload of a task's event, `{"session", "task", "instance", "kwargs"}`.
    init?(payload: [UInt8]) {
        guard let object = (try? JSONParser.parseStored(payload))?.objectValue,
              let session = object["session"]?.stringValue, let task = object["task"]?.stringValue,
              let instance = object["instance"]?.stringValue else { return nil }
        self.session = session
        self.task = task
        self.instance = instance
        self.kwargs = object["kwargs"]?.objectValue ?? JSONObject()
    }
}
