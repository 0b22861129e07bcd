import Foundation
import Logging
import Metrics
import NIOCore
import ServiceLifecycle

/// The background service that claims due deliveries, sends them and records the outcome.
///
/// One loop owns a ``DispatchState`` and performs what it asks for as child tasks of one task
/// group: claims, requests, and timers. Children report back through one stream, so the state
/// has a single owner and needs no lock. Outcomes are written by a recorder that takes
/// whatever has piled up since its last write, so attempt records share transactions.
///
/// On graceful shutdown it stops claiming, gives queued claims back, lets requests under way
/// finish (up to ``Configuration/shutdownGrace``), writes their records and returns. Requests
/// still under way when the grace ends are cut off, and recorded as failed attempts that
/// end their leases: they reached their receivers, so the log keeps them, and the deliveries
/// go again (here or on another node) without waiting for the leases to run out.
public struct DeliveryEngine: Service {
    public struct Configuration: Sendable {
        public var sender: WebhookSender.Configuration
        /// How long a claim is held; past it another worker may take the delivery.
        public var lease: TimeInterval
        /// How long requests under way may take to finish at shutdown.
        public var shutdownGrace: TimeInterval
        /// How often the engine asks the store for due work it was not told about.
        public var resyncInterval: TimeInterval
        /// Whether requests may go to loopback, private and link-local addresses (see ``TargetGuard``).
        public var allowsPrivateTargets: Bool
        /// How long requests cut off at the end of the shutdown grace have to report; the engine
        /// stops as soon as they all have.
        public var cutOffWait: TimeInterval
        /// What the engine schedules by (see ``WallClock``): the system's, or a test's.
        public var clock: any WallClock

        public init(
            sender: WebhookSender.Configuration = .init(), lease: TimeInterval? = nil,
            shutdownGrace: TimeInterval = 10, resyncInterval: TimeInterval = 30, allowsPrivateTargets: Bool = false,
            cutOffWait: TimeInterval = 5, clock: any WallClock = SystemClock()
        ) {
            self.clock = clock
            // Durations become clocks' deadlines, which an endless or negative one would trap.
            func bounded(_ seconds: TimeInterval) -> TimeInterval { seconds.isNaN ? 0 : min(max(seconds, 0), 86400) }
            self.allowsPrivateTargets = allowsPrivateTargets
            self.cutOffWait = bounded(cutOffWait)
            self.sender = sender
            let timeout = Double(sender.requestTimeout.nanoseconds) / 1e9
            self.lease = bounded(lease ?? Lease.duration(covering: timeout))
            self.shutdownGrace = bounded(shutdownGrace)
            self.resyncInterval = max(bounded(resyncInterval), 0.1)
        }
    }

    private enum Event: Sendable {
        case signal(StoreSignal)
        case resync([DueWork])
        case claimed(endpointID: String, Claim)
        case claimFailed(endpointID: String, any Error)
        case sent(endpointID: String, AttemptRecord)
        /// The deliveries whose outcomes were recorded, by endpoint.
        case recorded([String: [String]])
        /// Leases the endpoint's lane gave back are back in the store.
        case released(endpointID: String)
        case tick
        case shutdown
        case graceOver
        /// The requests cut off at the end of the grace period had their time to report.
        case cutOffOver
    }

    let store: any DeliveryQueue
    let configuration: Configuration
    let handlers: TaskHandlers
    let logger: Logger

    /// `handlers` run the tasks whose endpoint's URL is `handler:<name>` (see ``TaskHandlers``).
    public init(
        store: any DeliveryQueue, configuration: Configuration = .init(), handlers: TaskHandlers = TaskHandlers(),
        logger: Logger = Logger(label: "courier.engine")
    ) {
        self.store = store
        self.configuration = configuration
        self.handlers = handlers
        self.logger = logger
    }

    public func run() async throws {
        let client = WebhookSender.makeClient(configuration: configuration.sender)
        let tools = makeTools(client: client)
        let recorder = Recorder()
        let (events, continuation) = AsyncStream<Event>.makeStream()
        let cutOffWait = Countdown()
        // Subscribe before the first resync so no signal falls between the two.
        let signals = store.signals()

        await withDiscardingTaskGroup { group in
            group.addTask {
                for await signal in signals { continuation.yield(.signal(signal)) }
            }
            group.addTask { [store, logger] in
                await recorder.run(store: store, logger: logger) { batch in
                    continuation.yield(.recorded(batch.reduce(into: [:]) { $0[$1.endpointID, default: []].append($1.lease.deliveryID) }))
                }
            }
            group.addTask { [store, logger, configuration] in
                while !Task.isCancelled {
                    do {
                        // Abandoned at shutdown: a database that went away must not hold it up.
                        continuation.yield(.resync(try await Deadline.abandoningOnCancellation { try await store.dueEndpoints() }))
                    } catch is CancellationError where Task.isCancelled {
                        break
                    } catch {
                        logger.warning("cannot read due work from the store", metadata: ["error": "\(error)"])
                    }
                    try? await Task.sleep(for: .seconds(configuration.resyncInterval))
                }
            }

            await withGracefulShutdownHandler {
                var state = DispatchState()
                var targets: [String: DeliveryTarget] = [:]
                var timerAt: Date?
                var shuttingDown = false
                var cutOff = false
                // Endpoints whose claims are failing: said once each, not every second while a
                // database is away, and once more when they claim again.
                var failingClaims: Set<String> = []
                for await event in events {
                    var released: [Lease] = []
                    // The lane whose leases go back; nil when every lane's do (shutdown).
                    var releasedBy: String?
                    switch event {
                    case .signal(.due(let endpointID, let at)):
                        state.due(endpointID: endpointID, at: at)
                    case .signal(.endpointChanged(let endpointID)):
                        targets[endpointID] = nil
                        released = state.endpointChanged(endpointID: endpointID)
                        releasedBy = endpointID
                    case .signal(.operationStarted):
                        break  // the bulk operation runner's business
                    case .resync(let work):
                        for item in work { state.due(endpointID: item.endpointID, at: item.dueAt) }
                    case .claimed(let endpointID, let claim):
                        if failingClaims.remove(endpointID) != nil {
                            logger.notice("claims succeed again", metadata: ["endpoint": "\(endpointID)"])
                        }
                        let now = configuration.clock.now
                        for delivery in claim.deliveries { tools.metrics.claimed(dueAt: delivery.dueAt, at: now) }
                        released = state.claimed(endpointID: endpointID, claim: claim, now: now)
                        releasedBy = endpointID
                    case .claimFailed(let endpointID, let error):
                        if failingClaims.insert(endpointID).inserted {
                            logger.warning("claim failed; trying again every second", metadata: ["endpoint": "\(endpointID)", "error": "\(error)"])
                        } else {
                            logger.debug("claim failed", metadata: ["endpoint": "\(endpointID)", "error": "\(error)"])
                        }
                        state.claimFailed(endpointID: endpointID, retryAt: configuration.clock.now.addingTimeInterval(1))
                    case .sent(let endpointID, let record):
                        released = state.sent(
                            endpointID: endpointID, lease: record.lease,
                            nextAttemptAt: record.transition.state.isActive ? record.transition.nextAttemptAt : nil,
                            disabled: record.transition.disableEndpointReason != nil,
                            failed: record.attempt.outcome == .failed
                        )
                        releasedBy = endpointID
                        await recorder.append(record)
                    case .recorded(let recorded):
                        for (endpointID, deliveryIDs) in recorded { state.recorded(endpointID: endpointID, deliveryIDs: deliveryIDs) }
                    case .released(let endpointID):
                        // A claim made while they were going back found them still leased.
                        state.due(endpointID: endpointID, at: .distantPast)
                    case .tick:
                        timerAt = nil
                    case .shutdown:
                        shuttingDown = true
                        released = state.drain()
                        let grace = configuration.shutdownGrace
                        group.addTask {
                            try? await Task.sleep(for: .seconds(grace))
                            continuation.yield(.graceOver)
                        }
                    case .graceOver:
                        guard !cutOff else { break }
                        if state.inFlightCount > 0 {
                            logger.warning("requests still under way at the end of the shutdown grace period; cutting them off", metadata: [
                                "inFlight": "\(state.inFlightCount)",
                            ])
                        } else {
                            logger.warning("the shutdown grace period is over with attempt records or claims still outstanding; stopping")
                        }
                        cutOff = true
                        // Every child is cancelled (attempts, and the engine's own listeners and
                        // timers, which are done with). A cancelled request ends at once with a
                        // record of its own; the wait for those must not depend on them all
                        // honouring it, nor be a sleep that the cancellation cuts short.
                        group.cancelAll()
                        group.addTask {
                            await cutOffWait.wait(seconds: configuration.cutOffWait)
                            continuation.yield(.cutOffOver)
                        }
                    case .cutOffOver:
                        if state.inFlightCount > 0 {
                            logger.warning("requests cut off at shutdown did not all report", metadata: ["inFlight": "\(state.inFlightCount)"])
                        }
                    }
                    if !released.isEmpty {
                        let release: @Sendable () async -> Void = { [store, logger, released] in
                            do {
                                try await store.release(released)
                            } catch {
                                // The leases expire on their own; the deliveries are only late, not lost.
                                logger.warning("cannot release leases", metadata: ["error": "\(error)"])
                            }
                        }
                        if let endpointID = releasedBy {
                            // Off the loop: a slow database must not hold up every endpoint's
                            // work (claims' answers, signals such as a cool-down's start).
                            group.addTask {
                                await release()
                                continuation.yield(.released(endpointID: endpointID))
                            }
                        } else {
                            // Shutting down: before the engine ends, so other nodes need not wait out the leases.
                            await release()
                        }
                    }
                    if shuttingDown {
                        if case .cutOffOver = event { break }
                        if state.outstandingCount == 0 { break }
                        continue
                    }

                    let now = configuration.clock.now
                    let actions = state.nextActions(now: now)
                    for (endpointID, limit, answered) in actions.claims {
                        let leaseUntil = now.addingTimeInterval(configuration.lease)
                        group.addTask { [store] in
                            do {
                                let claim = try await store.claim(
                                    endpointID: endpointID, limit: limit, now: now, leaseUntil: leaseUntil, answered: answered
                                )
                                continuation.yield(.claimed(endpointID: endpointID, claim))
                            } catch {
                                continuation.yield(.claimFailed(endpointID: endpointID, error))
                            }
                        }
                    }
                    for (endpoint, delivery) in actions.sends {
                        let target: DeliveryTarget
                        if let cached = targets[endpoint.id], cached.endpoint == endpoint {
                            target = cached
                        } else {
                            target = DeliveryTarget(endpoint)
                            targets[endpoint.id] = target
                        }
                        group.addTask {
                            let record = await attempt(delivery, to: target, tools: tools)
                            continuation.yield(.sent(endpointID: endpoint.id, record))
                        }
                    }
                    if let wake = actions.wakeAt, timerAt.map({ wake < $0 }) ?? true {
                        timerAt = wake
                        group.addTask { [clock = configuration.clock] in
                            try? await clock.sleep(until: wake)
                            continuation.yield(.tick)
                        }
                    }
                }
            } onGracefulShutdown: {
                continuation.yield(.shutdown)
            }

            await recorder.finish()
            continuation.finish()
            // Every cut-off request has reported, or the wait is over: no child need outlast it.
            cutOffWait.end()
            group.cancelAll()
        }
        await client.shutdown()
    }

    /// Waits even in a cancelled task (where `Task.sleep` returns at once).
    static func sleepThroughCancellation(seconds: TimeInterval) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { continuation.resume() }
        }
    }

    /// What every attempt uses, made once per run.
    struct Tools: Sendable {
        let sender: WebhookSender
        let metrics: EngineMetrics
        let targetGuard: TargetGuard
        let tokens: OAuth2Tokens
        let handlers: TaskHandlers
    }

    /// The tools of a run whose requests go through `client` (which the caller shuts down).
    func makeTools(client: DeliveryHTTPClient) -> Tools {
        let sender = WebhookSender(client: client, configuration: configuration.sender)
        return Tools(
            sender: sender, metrics: EngineMetrics(),
            targetGuard: TargetGuard(allowsPrivateTargets: configuration.allowsPrivateTargets),
            tokens: OAuth2Tokens(sender: sender), handlers: handlers
        )
    }

    /// How long a request to `endpoint` (or its handler's run) may take: its own timeout, or the server's.
    func requestTimeout(of endpoint: Endpoint) -> TimeAmount {
        endpoint.timeoutSeconds.map { .seconds(Int64($0)) } ?? configuration.sender.requestTimeout
    }

    /// Sends one delivery and works out its transition; never throws.
    func attempt(_ delivery: ClaimedDelivery, to target: DeliveryTarget, tools: Tools) async -> AttemptRecord {
        let endpoint = target.endpoint
        let metrics = tools.metrics
        if let name = TaskHandlers.name(inURL: endpoint.url) {
            return await runHandler(name, delivery, target: target, tools: tools)
        }
        var delivery = delivery
        if case .unreadBatch = delivery.content {
            do {
                let events = try await store.batchEvents(batchID: delivery.deliveryID)
                guard !events.isEmpty else {
                    // Every event it carried was cancelled after the claim gathered it.
                    return notSent(
                        delivery, to: target, outcome: .empty, reason: "nothing to send: every event the batch carried was cancelled",
                        metrics: metrics
                    )
                }
                delivery.content = .batch(events)
            } catch {
                // Retried like a connection error, and the attempt says why. It counts against
                // the endpoint's health too (an outcome does not say where it failed): a store
                // unreadable for several batches in a row can start the first, 5 s cool-down.
                return notSent(
                    delivery, to: target, outcome: .failed, reason: "not sent: cannot read the batch's events: \(error)", metrics: metrics
                )
            }
        }
        guard let message = WebhookMessage.message(for: delivery, format: endpoint.format) else {
            return notSent(
                delivery, to: target, outcome: .empty, reason: "nothing to send: the endpoint's format made an empty body", metrics: metrics
            )
        }
        let guardVerdict = await tools.targetGuard.verdict(forHost: target.host)
        if let problem = guardVerdict.problem {
            return notSent(delivery, to: target, outcome: .rejected, reason: "not sent: \(problem)", metrics: metrics)
        }
        var auth = endpoint.auth?.staticHeader
        var token: (value: String, credentials: OAuth2ClientCredentials, addresses: [[UInt8]]?)?
        if case .oauth2(let credentials)? = endpoint.auth {
            let tokenVerdict = await tools.targetGuard.verdict(forHost: target.tokenHost)
            if let problem = tokenVerdict.problem {
                return notSent(delivery, to: target, outcome: .rejected, reason: "not sent: the token URL: \(problem)", metrics: metrics)
            }
            do {
                let value = try await tools.tokens.token(for: credentials, addresses: tokenVerdict.addresses)
                token = (value, credentials, tokenVerdict.addresses)
                auth = HeaderField(name: "authorization", value: "Bearer \(value)")
            } catch {
                // Like a connection error: retried, and counted against the endpoint's health.
                return notSent(delivery, to: target, outcome: .failed, reason: "not sent: \(error)", metrics: metrics)
            }
        }
        // The timestamp a receiver checks against its own clock is the real time; which secrets
        // sign (a rotated one's grace) and every time on record follow the engine's clock.
        let now = configuration.clock.now
        let skew = now.timeIntervalSinceNow
        let timestamp = Int64(Date().timeIntervalSince1970)
        let headers = message.headers(target: target, timestamp: timestamp, now: now, auth: auth)
        let timeout = requestTimeout(of: endpoint)
        var response = await tools.sender.send(
            to: target.requestTarget, method: endpoint.method, headers: headers, body: message.body, addresses: guardVerdict.addresses,
            timeout: timeout
        )
        if response.status == 401, let used = token {
            // The token may have been revoked before it expired: fetch a new one and try once more.
            await tools.tokens.refused(used.value, for: used.credentials)
            if let fresh = try? await tools.tokens.token(for: used.credentials, addresses: used.addresses), fresh != used.value {
                let headers = message.headers(
                    target: target, timestamp: timestamp, now: now,
                    auth: HeaderField(name: "authorization", value: "Bearer \(fresh)")
                )
                response = await tools.sender.send(
                    to: target.requestTarget, method: endpoint.method, headers: headers, body: message.body, addresses: guardVerdict.addresses,
                    timeout: timeout
                )
            }
        }
        let startedAt = response.startedAt.addingTimeInterval(skew)
        let ended = startedAt.addingTimeInterval(response.duration)
        // A `Retry-After` date is the receiver's real time: the wait it asks for is counted from
        // the real end of the request, and then kept on the engine's clock.
        let endedReally = response.startedAt.addingTimeInterval(response.duration)
        var verdict = response.status.map { target.classifier.classify(status: $0, headers: response.headers, now: endedReally) }
            ?? target.classifier.classifyTransportError()
        if response.status == nil, Task.isCancelled {
            // Cut off at the end of the shutdown grace, the only time an attempt is cancelled.
            // The receiver may still be working on it (a slow importer, minutes into a batch):
            // the next copy goes once this request would have timed out, not at once.
            verdict = .init(outcome: .interrupted, retryAfter: max(0, Double(timeout.nanoseconds) / 1e9 - response.duration))
        }
        var taskResult: JSONObject?
        if delivery.task != nil, verdict.outcome == .succeeded {
            // A task's answer is its result; an answer that cannot be one fails the run, for
            // asking again would get the same answer.
            switch Session.result(fromResponse: response.body, truncated: response.bodyTruncated) {
            case .success(let result):
                taskResult = result
            case .failure(let problem):
                verdict = .init(outcome: .rejected)
                response.error = problem.message
            }
        }
        let messages = Self.messageOutcome(of: delivery, succeeded: verdict.outcome == .succeeded, body: response.body)
        if case .batch(_, true, let failed)? = messages, !failed.isEmpty, case .message(let batch) = delivery.content {
            // Only those are retried (the rest are sent and never sent again): the batch stays active.
            verdict = .init(outcome: .failed)
            response.error = "the backend listed \(failed.count) of \(batch.items.count) identities as failed"
        }
        let transition = DeliveryStateMachine.afterAttempt(
            delivery.progress, verdict: verdict, policy: endpoint.retry, startedAt: startedAt, now: ended,
            jitter: Double.random(in: 0..<1)
        )
        metrics.attempted(
            verdict.outcome, duration: response.duration, finished: transition.state.isActive ? nil : transition.state, endpoint: endpoint
        )
        // Metadata goes with each message (built only when the level is enabled): setting it on
        // the logger would render it for the handler on every attempt.
        if verdict.outcome == .succeeded {
            logger.debug("delivered", metadata: [
                "delivery": "\(delivery.deliveryID)", "endpoint": "\(endpoint.id)", "status": "\(response.status ?? 0)",
            ])
        } else {
            logger.info("attempt failed", metadata: [
                "delivery": "\(delivery.deliveryID)", "endpoint": "\(endpoint.id)",
                "outcome": "\(verdict.outcome.rawValue)", "status": "\(response.status.map(String.init) ?? "-")",
                "error": "\(response.error ?? "-")", "next": "\(transition.state.rawValue)",
            ])
        }
        let attempt = Attempt(
            id: Identifier.make("att", now: startedAt), deliveryID: delivery.deliveryID,
            tenantID: delivery.tenantID, startedAt: startedAt, duration: response.duration,
            request: target.requestSummary,
            responseStatus: response.status, responseHeaders: response.headers,
            responseBody: response.status == nil ? nil : ResponseText.decode(response.body, headers: response.headers),
            responseBodyTruncated: response.bodyTruncated, error: response.error, outcome: verdict.outcome
        )
        var batch: BatchOutcome?
        if delivery.isBatch {
            let failed = verdict.outcome == .succeeded ? Self.listedAsFailed(in: response.body) : []
            batch = BatchOutcome(failedEventIDs: failed, retry: endpoint.retry, jitter: Double.random(in: 0..<1))
        }
        return AttemptRecord(
            endpointID: endpoint.id, lease: delivery.lease, attempt: attempt, transition: transition, batch: batch,
            task: delivery.task, taskResult: taskResult, message: messages
        )
    }

    /// What an attempt means for messages: for a batch of transmissions, whether the backend
    /// took it and whom it listed as failed; for an inbound message's delivery, the replies.
    static func messageOutcome(of delivery: ClaimedDelivery, succeeded: Bool, body: [UInt8]) -> MessageOutcome? {
        switch delivery.content {
        case .message(let batch):
            // The batch gives both names of each recipient, and a gateway may list either.
            let names = Set(batch.items.flatMap { [$0.identity, $0.transmissionID] })
            let failed = succeeded ? listedAsFailed(in: body).intersection(names) : []
            return .batch(messageID: batch.messageID, accepted: succeeded, failed: failed)
        case .event(let event) where event.type == Message.receivedEventType:
            guard let id = event.inboundMessageID else { return nil }
            return .received(messageID: id, replies: succeeded ? MessageOutcome.replies(in: body) : [])
        case .batch(let events) where events.contains(where: { $0.type == Message.receivedEventType }):
            let failed = succeeded ? listedAsFailed(in: body) : []
            let ids = events.filter { $0.type == Message.receivedEventType && !failed.contains($0.id) }.compactMap(\.inboundMessageID)
            return ids.isEmpty ? nil : .receivedInBatch(messageIDs: ids)
        default:
            return nil
        }
    }

    /// Runs a task's delivery by calling the handler registered under `name`, in process.
    func runHandler(_ name: String, _ delivery: ClaimedDelivery, target: DeliveryTarget, tools: Tools) async -> AttemptRecord {
        let endpoint = target.endpoint
        let startedAt = configuration.clock.now
        let realStart = Date()
        var outcome = Attempt.Outcome.failed
        var result: JSONObject?
        var error: String?
        if case .task(let event, _) = delivery.content, let call = TaskCall(payload: event.payload) {
            if let handler = tools.handlers[name] {
                // Bounded like a request, so that a stuck handler cannot outlive its lease and
                // run a second time beside itself.
                let timeout = requestTimeout(of: endpoint)
                do {
                    result = try await Deadline.run(.nanoseconds(timeout.nanoseconds), timeoutError: { HandlerTimeout() }) {
                        try await handler(call)
                    }
                    outcome = .succeeded
                } catch is HandlerTimeout {
                    error = "the handler \(name) did not return within \(Double(timeout.nanoseconds) / 1e9) s"
                } catch let thrown {
                    error = "the handler \(name) threw: \(thrown)"
                }
            } else {
                error = "no handler named \(name) is registered in this process"
            }
        } else {
            // Only a task's run has kwargs for a handler; an event sent here has nowhere to go.
            outcome = .rejected
            error = "a handler endpoint runs only tasks"
        }
        let duration = Date().timeIntervalSince(realStart)
        let ended = startedAt.addingTimeInterval(duration)
        let transition = DeliveryStateMachine.afterAttempt(
            delivery.progress, verdict: .init(outcome: outcome), policy: endpoint.retry, startedAt: startedAt, now: ended,
            jitter: Double.random(in: 0..<1)
        )
        tools.metrics.attempted(
            outcome, duration: duration, finished: transition.state.isActive ? nil : transition.state, endpoint: endpoint
        )
        if let error {
            logger.info("task handler failed", metadata: [
                "delivery": "\(delivery.deliveryID)", "handler": "\(name)", "error": "\(error)", "next": "\(transition.state.rawValue)",
            ])
        }
        let attempt = Attempt(
            id: Identifier.make("att", now: startedAt), deliveryID: delivery.deliveryID, tenantID: delivery.tenantID,
            startedAt: startedAt, duration: duration, request: target.requestSummary, responseStatus: nil, responseHeaders: [],
            responseBody: result.map { String(decoding: JSONValue.object($0).bytes, as: UTF8.self) }, responseBodyTruncated: false,
            error: error, outcome: outcome
        )
        return AttemptRecord(
            endpointID: endpoint.id, lease: delivery.lease, attempt: attempt, transition: transition,
            task: delivery.task, taskResult: result, message: Self.messageOutcome(of: delivery, succeeded: false, body: [])
        )
    }

    /// The record of an attempt that made no request: the format made no body (`empty`), the
    /// target is not allowed (`rejected`), or no OAuth2 token could be had (`failed`). The
    /// attempt on record says why; a batch's events follow it as after any attempt.
    func notSent(
        _ delivery: ClaimedDelivery, to target: DeliveryTarget, outcome: Attempt.Outcome, reason: String, metrics: EngineMetrics
    ) -> AttemptRecord {
        // A failure that is the shutdown's cut-off (a token's fetch cancelled, say) is no fault of the endpoint's.
        let outcome = outcome == .failed && Task.isCancelled ? .interrupted : outcome
        let now = configuration.clock.now
        let transition = DeliveryStateMachine.afterAttempt(
            delivery.progress, verdict: .init(outcome: outcome), policy: target.endpoint.retry, startedAt: now, now: now, jitter: 0
        )
        metrics.attempted(
            outcome, duration: 0, finished: transition.state.isActive ? nil : transition.state, endpoint: target.endpoint
        )
        logger.info("not sent", metadata: [
            "delivery": "\(delivery.deliveryID)", "endpoint": "\(target.endpoint.id)", "reason": "\(reason)",
        ])
        let attempt = Attempt(
            id: Identifier.make("att", now: now), deliveryID: delivery.deliveryID, tenantID: delivery.tenantID, startedAt: now,
            duration: 0, request: target.requestSummary, responseStatus: nil, responseHeaders: [], responseBody: nil,
            responseBodyTruncated: false, error: reason, outcome: outcome
        )
        let batch = delivery.isBatch ? BatchOutcome(failedEventIDs: [], retry: target.endpoint.retry, jitter: 0) : nil
        return AttemptRecord(
            endpointID: target.endpoint.id, lease: delivery.lease, attempt: attempt, transition: transition, batch: batch,
            task: delivery.task, message: Self.messageOutcome(of: delivery, succeeded: false, body: [])
        )
    }

    /// What a receiver listed in a 2xx answer to a batch, `{"failed": [...]}`: event ids, or a
    /// backend's identities. Any other body (empty, not JSON, another shape) means all was taken.
    static func listedAsFailed(in body: [UInt8]) -> Set<String> {
        guard let object = (try? JSONParser.parse(body))?.objectValue, let failed = object["failed"]?.arrayValue else { return [] }
        return Set(failed.compactMap(\.stringValue))
    }
}

private struct HandlerTimeout: Error {}

/// Collects attempt records and writes whatever has piled up in one call, so that under load
/// many records share a transaction and at rest each is written at once.
actor Recorder {
    private var pending: [AttemptRecord] = []
    private var waiter: CheckedContinuation<Void, Never>?
    private var finished = false
    /// Set once finished when the store could not take a record: a node stopping while its
    /// database is away must stop, not wait for the database, so what is left is given up.
    /// Its deliveries go again once their leases run out (at least once still holds).
    private var givingUp = false
    private var done: [CheckedContinuation<Void, Never>] = []

    func append(_ record: AttemptRecord) {
        pending.append(record)
        waiter?.resume()
        waiter = nil
    }

    /// Returns once everything appended so far is written.
    func finish() async {
        finished = true
        waiter?.resume()
        waiter = nil
        await withCheckedContinuation { done.append($0) }
    }

    private func take() async -> [AttemptRecord]? {
        while pending.isEmpty {
            if finished { return nil }
            await withCheckedContinuation { waiter = $0 }
        }
        defer { pending = [] }
        return pending
    }

    private func markDone() {
        for continuation in done { continuation.resume() }
        done = []
    }

    /// Writes batches until finished; `onRecorded` hears of each batch once it is written (or given up).
    ///
    /// While the store is unavailable a batch is retried with backoff for as long as it takes:
    /// the attempts happened and must be kept. (Not at shutdown: see `givingUp`.) A batch refused for any other reason is split
    /// and its records tried one by one, so that one bad record cannot hold up the rest; a
    /// record refused on its own three times is logged and dropped (its lease then expires and
    /// the delivery is sent again: at least once still holds).
    func run(store: any DeliveryQueue, logger: Logger, onRecorded: @Sendable ([AttemptRecord]) -> Void) async {
        while let batch = await take() {
            await write(batch, store: store, logger: logger)
            onRecorded(batch)
        }
        markDone()
    }

    private func write(_ batch: [AttemptRecord], store: any DeliveryQueue, logger: Logger) async {
        if givingUp {
            logger.error("giving up attempt records at shutdown; their deliveries go again when their leases end", metadata: ["count": "\(batch.count)"])
            return
        }
        var delay: Double = 0.05
        var refusals = 0
        while true {
            do {
                if Task.isCancelled {
                    // Cut off at shutdown: the attempts happened, and a store that checks for
                    // cancellation (a pool's lease) must not refuse their records for it.
                    try await Task { try await store.record(batch) }.value
                } else {
                    try await store.record(batch)
                }
                return
            } catch let error as CourierError where error.kind == .unavailable {
                if finished {
                    givingUp = true
                    logger.error("cannot record attempts at shutdown; giving up, so their deliveries go again when their leases end", metadata: [
                        "error": "\(error)", "count": "\(batch.count)",
                    ])
                    return
                }
                logger.error("cannot record attempts; retrying", metadata: ["error": "\(error)", "count": "\(batch.count)"])
            } catch {
                refusals += 1
                if batch.count > 1 {
                    for record in batch { await write([record], store: store, logger: logger) }
                    return
                }
                if refusals >= 3 {
                    logger.error("dropping an attempt record the store refuses", metadata: [
                        "error": "\(error)", "delivery": "\(batch.first?.attempt.deliveryID ?? "-")",
                    ])
                    return
                }
            }
            await DeliveryEngine.sleepThroughCancellation(seconds: delay)
            delay = min(delay * 2, 5)
        }
    }
}
