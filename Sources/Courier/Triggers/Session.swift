import Foundation

/// One subject's triggers and tasks (an applicant, an order), with the semantics of the EFL
/// triggers framework, as a pure state: the store loads it, applies one change and saves it
/// in one transaction, so two nodes firing the same session at once cannot lose a trigger or
/// make an instance twice, and no lock service is needed.
///
/// Each change returns the ``Effect``s to carry out after it is saved: runs to start and
/// scheduled runs to cancel.
public struct Session: Sendable, Hashable {
    public var uid: String
    /// In the order they were first configured.
    public private(set) var tasks: [TaskConfig]
    /// The latest kwargs of each trigger that has fired, in the order they first fired.
    public private(set) var fired: JSONObject
    /// In the order they were made.
    public private(set) var instances: [TaskInstance]
    /// Fired once, when nothing is unresolved but what waits on it.
    public var finalizeTrigger: String?
    public private(set) var finalized: Bool

    public enum Effect: Sendable, Hashable {
        /// Run the instance: a delivery of `{session, task, instance, kwargs}` to the task's target.
        case run(instance: String, task: String, target: String, kwargs: JSONObject)
        /// Its run had not started and must not: abandon the delivery.
        case cancel(instance: String)
    }

    public init(uid: String, finalizeTrigger: String? = nil) {
        self.init(uid: uid, tasks: [], fired: JSONObject(), instances: [], finalizeTrigger: finalizeTrigger, finalized: false)
    }

    init(
        uid: String, tasks: [TaskConfig], fired: JSONObject, instances: [TaskInstance], finalizeTrigger: String?, finalized: Bool
    ) {
        self.uid = uid
        self.tasks = tasks
        self.fired = fired
        self.instances = instances
        self.finalizeTrigger = finalizeTrigger
        self.finalized = finalized
    }

    // MARK: Changes

    /// Adds tasks, replacing those of the same name. Triggers fired before count for them.
    public mutating func configure(_ configs: [TaskConfig], now: Date) -> [Effect] {
        for config in configs {
            if let index = tasks.firstIndex(where: { $0.name == config.name }) {
                tasks[index] = config
            } else {
                tasks.append(config)
            }
        }
        var effects: [Effect] = []
        for config in configs {
            // A task whose triggers already fired joins as if they fired now: once, for an
            // `andEvery` task whose trigger fired (each firing from now on makes another).
            if !instances.contains(where: { $0.task == config.name }),
               config.andEvery.map({ fired[$0] != nil }) ?? config.after.contains(where: { fired[$0] != nil }) {
                instances.append(newInstance(of: config, now: now))
            }
            effects += settle(config, now: now)
        }
        return effects + finalizeIfDone(now: now)
    }

    /// Fires `trigger` with `kwargs`.
    ///
    /// Firing the finalize trigger by hand finalizes the session: it fires once, by whoever
    /// fires it first (EFL's cookbook guards its finalizer the same way), and is not fired
    /// again, over the caller's kwargs, once the rest resolves.
    public mutating func fire(_ trigger: String, kwargs: JSONObject = JSONObject(), now: Date) -> [Effect] {
        if trigger == finalizeTrigger { finalized = true }
        fired[trigger] = .object(kwargs)
        var effects: [Effect] = []
        for config in tasks where config.after.contains(trigger) || config.unless.contains(trigger) {
            if config.andEvery == trigger {
                instances.append(newInstance(of: config, now: now))
            } else if config.after.contains(trigger) {
                var applied = false
                for index in instances.indices where instances[index].task == config.name && instances[index].status == .unstarted {
                    if !instances[index].applied.contains(trigger) {
                        instances[index].kwargs.append(trigger, .object(kwargs))
                    }
                    applied = true
                }
                if !applied, config.andEvery == nil, !instances.contains(where: { $0.task == config.name }) {
                    instances.append(newInstance(of: config, now: now))
                }
            }
            effects += settle(config, now: now)
        }
        return effects + finalizeIfDone(now: now)
    }

    /// The instance's run began.
    public mutating func started(_ name: String, now: Date) throws(CourierError) {
        let index = try instance(named: name)
        guard instances[index].status == .scheduled else { return }
        instances[index].set(.running, at: now)
    }

    /// The instance's run succeeded with `result`: it finishes, and its task's name fires
    /// with the result (the cascade).
    public mutating func finished(_ name: String, result: JSONObject, now: Date) throws(CourierError) -> [Effect] {
        let index = try instance(named: name)
        guard [.scheduled, .running].contains(instances[index].status) else { return [] }
        instances[index].result = result
        instances[index].set(.finished, at: now)
        return fire(instances[index].task, kwargs: result, now: now)
    }

    /// The instance's run failed for good.
    public mutating func failed(_ name: String, error: String, now: Date) throws(CourierError) -> [Effect] {
        let index = try instance(named: name)
        guard [.scheduled, .running].contains(instances[index].status) else { return [] }
        instances[index].error = error
        instances[index].set(.failed, at: now)
        return finalizeIfDone(now: now)
    }

    /// Runs a failed instance again as `task#n+1`, with its kwargs or (when given) `kwargs`
    /// in their place: `{}` means none. As for any run, the task gets its `withParams` under
    /// them, and the clone's `kwargs` are those it was given (EFL's `replacement_kwargs`).
    public mutating func replay(_ name: String, kwargs replacement: JSONObject?, now: Date) throws(CourierError) -> [Effect] {
        let index = try failedInstance(named: name, action: "replayed")
        instances[index].set(.replayed, at: now)
        let original = instances[index]
        guard let config = tasks.first(where: { $0.name == original.task }) else {
            throw .conflict("\(name)'s task is no longer configured", code: "invalid_state")
        }
        let kwargs = replacement ?? original.kwargs
        var clone = TaskInstance(
            name: nextName(of: config.name), task: config.name, kwargs: kwargs, depth: original.depth + 1,
            parent: original.name, now: now
        )
        clone.actualKwargs = config.withParams.merging(kwargs)
        clone.set(.scheduled, at: now)
        instances.append(clone)
        return [.run(instance: clone.name, task: config.name, target: config.run, kwargs: clone.actualKwargs ?? JSONObject())]
    }

    /// Gives up on a failed instance; with `cascade`, its task's name fires with `result`.
    public mutating func skip(_ name: String, cascade: Bool, result: JSONObject?, now: Date) throws(CourierError) -> [Effect] {
        let index = try failedInstance(named: name, action: "skipped")
        instances[index].result = result
        instances[index].set(.skipped, at: now)
        if cascade { return fire(instances[index].task, kwargs: result ?? JSONObject(), now: now) }
        return finalizeIfDone(now: now)
    }

    // MARK: Inspection

    /// Tasks with no instance yet, or with one not yet resolved.
    public var unresolvedTasks: [String] {
        tasks.map(\.name).filter { task in
            let mine = instances.filter { $0.task == task }
            return mine.isEmpty || mine.contains { !$0.status.isResolved }
        }
    }

    public func instance(_ name: String) -> TaskInstance? {
        instances.first { $0.name == name }
    }

    // MARK: Inner workings

    private func nextName(of task: String) -> String {
        "\(task)#\(instances.filter { $0.task == task }.count + 1)"
    }

    /// A new instance, seeded with the kwargs of its `after` triggers that already fired.
    private func newInstance(of config: TaskConfig, now: Date) -> TaskInstance {
        var seed = JSONObject()
        for field in fired.fields where config.after.contains(field.key) {
            seed.append(field.key, field.value)
        }
        return TaskInstance(name: nextName(of: config.name), task: config.name, kwargs: seed, now: now)
    }

    /// Abandons what `unless` forbids and schedules what is ready, for one task.
    private mutating func settle(_ config: TaskConfig, now: Date) -> [Effect] {
        var effects: [Effect] = []
        let forbidden = !config.unless.isEmpty && config.unless.allSatisfy { fired[$0] != nil }
        for index in instances.indices where instances[index].task == config.name {
            switch instances[index].status {
            case .unstarted where forbidden:
                instances[index].set(.abandoned, at: now)
            case .scheduled where forbidden:
                instances[index].set(.abandoned, at: now)
                effects.append(.cancel(instance: instances[index].name))
            case .unstarted where config.after.isSubset(of: instances[index].applied):
                let kwargs = config.withParams.merging(instances[index].kwargs)
                instances[index].actualKwargs = kwargs
                instances[index].set(.scheduled, at: now)
                effects.append(.run(instance: instances[index].name, task: config.name, target: config.run, kwargs: kwargs))
            default:
                break
            }
        }
        return effects
    }

    /// Fires the finalize trigger once nothing is unresolved but what waits on it.
    private mutating func finalizeIfDone(now: Date) -> [Effect] {
        guard let trigger = finalizeTrigger, !finalized else { return [] }
        guard unresolvedTasks.allSatisfy(waiting(on: trigger).contains), !tasks.isEmpty else { return [] }
        finalized = true
        return fire(trigger, now: now)
    }

    /// The tasks that wait on `trigger`: those whose `after` names it, and those whose `after`
    /// names one of them (a task's name fires when it finishes), however deep. Each of them
    /// waits on the finalize trigger, so none may hold finalization back.
    private func waiting(on trigger: String) -> Set<String> {
        var waiting: Set<String> = []
        var grew = true
        while grew {
            grew = false
            for task in tasks where !waiting.contains(task.name) && (task.after.contains(trigger) || !task.after.isDisjoint(with: waiting)) {
                waiting.insert(task.name)
                grew = true
            }
        }
        return waiting
    }

    private func instance(named name: String) throws(CourierError) -> Int {
        guard let index = instances.firstIndex(where: { $0.name == name }) else { throw .notFound("instance") }
        return index
    }

    private func failedInstance(named name: String, action: String) throws(CourierError) -> Int {
        let index = try instance(named: name)
        guard instances[index].status == .failed else {
            throw .conflict(
                "\(name) is \(instances[index].status.rawValue); only a failed instance can be \(action)", code: "invalid_state"
            )
        }
        return index
    }
}
