import ArgumentParser
import Courier

/// `courier deliveries`: finding out what failed and why, and sending it again once the
/// receiver is fixed (rest hooks' `retry_failed_hooks`).
struct DeliveriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliveries",
        abstract: "List deliveries, show one with its attempts, and retry failed ones.",
        subcommands: [List.self, Show.self, Retry.self]
    )

    /// The API's delivery filter, the same for listing and for bulk actions, so that what
    /// `list` shows is what `retry` acts on.
    struct Filter: ParsableArguments {
        @Option(help: "Only this endpoint's deliveries.")
        var endpoint: String?

        @Option(help: "Only deliveries in this state: pending, retrying, succeeded, exhausted, rejected, cancelled, batched, empty (retry takes those it requeues: exhausted, rejected, cancelled, empty).")
        var state: String?

        @Option(help: "Only this event's deliveries.")
        var event: String?

        @Option(help: "Only the deliveries a batch carries.")
        var batch: String?

        @Option(help: "Only deliveries created at or after this RFC 3339 time (2026-01-31T12:00:00Z).")
        var since: String?

        @Option(help: "Only deliveries created before this RFC 3339 time.")
        var until: String?

        @Option(help: "Only deliveries of events of this type.")
        var type: String?

        @Option(help: "Only deliveries of events with this key.")
        var key: String?

        var fields: [(String, String?)] {
            [("endpoint", endpoint), ("state", state), ("event", event), ("batch", batch), ("since", since), ("until", until),
             ("type", type), ("key", key)]
        }

        /// A mistyped endpoint id matches nothing, which at 3 a.m. reads as "nothing to retry":
        /// when nothing matched, one the tenant does not have is an error instead (`endpoint not
        /// found`). Only then: a deleted endpoint's deliveries are listed, and it is not found.
        func checkEndpoint(_ api: APIConnection) async throws(CommandFailure) {
            if let endpoint { _ = try await api.get(APIConnection.path("endpoints", endpoint)) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List deliveries, newest first.")

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var filter: Filter

        @Option(help: "How many to show, 1 to 500 (default 50); with --all, how many to read per request.")
        var limit: Int?

        @Flag(help: "Every matching delivery, page after page.")
        var all = false

        func run() async throws {
            let api = try connection.connect()
            let listing = try await api.list("/v1/deliveries", query: filter.fields, limit: limit, all: all)
            if listing.items.isEmpty { try await filter.checkEndpoint(api) }
            if connection.json { return say(json: listing.json.bytes) }
            var table = Table(["ID", "STATE", "ENDPOINT", "EVENT", "ATTEMPTS", "LAST", "CREATED"])
            for delivery in listing.items.compactMap(\.objectValue) {
                table.append([
                    cell(delivery["id"]), cell(delivery["state"]), cell(delivery["endpointId"]), DeliveriesCommand.subject(delivery),
                    cell(delivery["attemptCount"]), DeliveriesCommand.last(delivery), cell(delivery["createdAt"]),
                ])
            }
            table.show(ifEmpty: "no deliveries match")
            if listing.nextCursor != nil { note("there are more: add --all, or a larger --limit") }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a delivery with every attempt, oldest first.")

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The delivery's id.")
        var id: NonEmptyArgument

        func run() async throws {
            let answer = try await connection.connect().get(APIConnection.path("deliveries", id.value))
            if connection.json { return say(json: answer.bytes) }
            let delivery = answer.json.objectValue ?? [:]
            var record = Table()
            for key in ["id", "kind", "state", "endpointId", "eventId", "batchId", "messageId", "session", "instance",
                        "attemptCount", "nextAttemptAt", "lastStatus", "lastError", "createdAt", "updatedAt"] {
                guard let value = delivery[key], value != .null else { continue }
                record.append([key, cell(value, limit: 200)])
            }
            var attempts = Table(["#", "STARTED", "MS", "STATUS", "OUTCOME", "ERROR OR RESPONSE"])
            for (number, attempt) in (delivery["attempts"]?.arrayValue ?? []).compactMap(\.objectValue).enumerated() {
                attempts.append([
                    String(number + 1), cell(attempt["startedAt"]), cell(attempt["durationMs"]), cell(attempt["responseStatus"]),
                    cell(attempt["outcome"]), cell(attempt["error"]?.stringValue != nil ? attempt["error"] : attempt["responseBody"]),
                ])
            }
            say(record.text + "\n")
            attempts.show(ifEmpty: "no attempts yet")
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Requeue failed deliveries over a filter, each with a fresh attempt budget.",
            discussion: "Without --state, both exhausted and rejected deliveries are requeued. Without any filter option, that is every such delivery of the tenant."
        )

        /// The states `requeue` applies to, as the state machine says.
        static let requeueable = DeliveryState.allCases.filter(\.isRequeueable).map(\.rawValue)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var filter: Filter

        func validate() throws {
            if let state = filter.state, !Self.requeueable.contains(state) {
                throw ValidationError("--state must be one of \(Self.requeueable.joined(separator: ", ")): only those can be requeued")
            }
        }

        func run() async throws {
            let api = try connection.connect()
            let states = filter.state.map { [$0] } ?? ["exhausted", "rejected"]
            var operations: [APIConnection.Answer] = []
            for state in states {
                var object = JSONObject()
                for case let (name, value?) in filter.fields where name != "state" { object[name] = .string(value) }
                object["state"] = .string(state)
                // A bulk operation on the server, followed to its end: a filter over many
                // deliveries neither holds one request open nor leaves the person guessing.
                var operation = try await api.post("/v1/operations", .object(["action": "requeue", "filter": .object(object)]))
                let id = cell(operation["id"])
                while operation["status"]?.stringValue == "running" {
                    note("\(state): \(cell(operation["matched"])) of \(cell(operation["total"])) walked")
                    try await Task.sleep(for: .milliseconds(500))
                    operation = try await api.get("/v1/operations/\(id)")
                }
                if !connection.json {
                    say("\(state): \(cell(operation["matched"])) matched, \(cell(operation["changed"])) requeued")
                }
                operations.append(operation)
            }
            if operations.allSatisfy({ $0["matched"] == .integer(0) }) { try await filter.checkEndpoint(api) }
            // One JSON document, as every command prints, of one shape whatever the options:
            // an array of the operations, one per state requeued.
            if connection.json { say(json: JSONValue.array(operations.map(\.json)).bytes) }
        }
    }

    /// What a delivery carries: its event, or for the other kinds their batch, task run or message.
    static func subject(_ delivery: JSONObject) -> String {
        switch delivery["kind"]?.stringValue {
        case "task": "task \(cell(delivery["instance"]))"
        case "message": cell(delivery["messageId"])
        case "batch": "batch"
        default: cell(delivery["eventId"])
        }
    }

    /// The last answer, or the error when there was none.
    static func last(_ delivery: JSONObject) -> String {
        if let status = delivery["lastStatus"], status != .null { return cell(status) }
        return cell(delivery["lastError"], limit: 40)
    }
}
