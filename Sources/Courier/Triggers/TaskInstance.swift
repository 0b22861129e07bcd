import Foundation

/// One run of a task in a session, named `task#n`.
public struct TaskInstance: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, CaseIterable {
        /// Waiting for more of its `after` triggers.
        case unstarted
        /// Every trigger is in; its run is on its way (a delivery, or a handler call).
        case scheduled
        case running
        case finished
        case failed
        /// A person skipped it after it failed.
        case skipped
        /// A person replayed it after it failed; its clone goes on.
        case replayed
        /// Its task's `unless` triggers all fired before it started.
        case abandoned

        /// Nothing more will happen to it.
        public var isResolved: Bool {
            switch self {
            case .finished, .skipped, .replayed, .abandoned: true
            case .unstarted, .scheduled, .running, .failed: false
            }
        }
    }

    public var name: String
    public var task: String
    public var status: Status
    /// The kwargs of each trigger applied to it, by trigger; each trigger is applied once.
    public var kwargs: JSONObject
    /// What its run was given: the task's `withParams` with `kwargs` merged over them.
    public var actualKwargs: JSONObject?
    public var result: JSONObject?
    public var error: String?
    /// How many replays it is from the original; its `parent` is the one it replays.
    public var depth: Int
    public var parent: String?
    public var timestamps: [Status: Date]

    public init(name: String, task: String, kwargs: JSONObject = JSONObject(), depth: Int = 0, parent: String? = nil, now: Date) {
        self.name = name
        self.task = task
        self.status = .unstarted
        self.kwargs = kwargs
        self.depth = depth
        self.parent = parent
        self.timestamps = [.unstarted: now]
    }

    mutating func set(_ status: Status, at now: Date) {
        self.status = status
        timestamps[status] = now
    }

    /// The triggers applied to it.
    var applied: Set<String> { Set(kwargs.keys) }
}
