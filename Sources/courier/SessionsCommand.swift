import ArgumentParser
import Courier

/// `courier sessions`: looking into one subject of the trigger engine, and firing a trigger by
/// hand when the system that should have fired it did not.
struct SessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions", abstract: "List sessions, show one, or fire a trigger in one.",
        subcommands: [List.self, Show.self, Fire.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List sessions, the most recently changed first.")

        @OptionGroup var connection: ConnectionOptions

        @Flag(help: "Only sessions with a failed instance (one not yet replayed or skipped).")
        var failed = false

        @Option(help: "Only sessions whose uid starts with this text, such as applicant:.")
        var prefix: String?

        @Option(help: "How many to show, 1 to 500 (default 50); with --all, how many to read per request.")
        var limit: Int?

        @Flag(help: "Every matching session, page after page.")
        var all = false

        func run() async throws {
            let query = [("failed", failed ? "true" : nil), ("prefix", prefix)]
            let listing = try await connection.connect().list("/v1/sessions", query: query, limit: limit, all: all)
            if connection.json { return say(json: listing.json.bytes) }
            var table = Table(["SESSION", "CHANGED", "FAILED", "INSTANCES", "TASKS", "FINALIZED"])
            for session in listing.items.compactMap(\.objectValue) {
                let counts = (session["instanceCounts"]?.objectValue?.fields ?? []).map { "\(cell($0.value)) \($0.key)" }
                table.append([
                    cell(session["uid"], limit: 40), cell(session["updatedAt"]), cell(session["failed"]),
                    counts.isEmpty ? "-" : counts.joined(separator: ", "), cell(session["taskCount"]), cell(session["finalized"]),
                ])
            }
            table.show(ifEmpty: "no sessions match")
            if listing.nextCursor != nil { note("there are more: add --all, or a larger --limit") }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a session: its tasks, fired triggers and instances.")

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The session's uid, such as applicant:42.")
        var uid: NonEmptyArgument

        func run() async throws {
            let answer = try await connection.connect().get(APIConnection.path("sessions", uid.value))
            if connection.json { return say(json: answer.bytes) }
            SessionsCommand.show(answer.json)
        }
    }

    struct Fire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Fire a trigger in a session; prints the session after it.")

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The session's uid, such as applicant:42.")
        var uid: NonEmptyArgument

        @Argument(help: "The trigger's name.")
        var trigger: NonEmptyArgument

        @Option(help: "The trigger's kwargs, a JSON object.")
        var kwargs: String?

        func run() async throws {
            var body: JSONObject = ["name": .string(trigger.value)]
            if let kwargs {
                guard let object = try? JSONParser.parse(kwargs), object.objectValue != nil else {
                    throw CommandFailure("--kwargs must be a JSON object, such as '{\"count\": 3}'")
                }
                body["kwargs"] = object
            }
            let answer = try await connection.connect().post(
                APIConnection.path("sessions", uid.value, "triggers"), .object(body), options: ["name": "the trigger's name", "kwargs": "--kwargs"]
            )
            if connection.json { return say(json: answer.bytes) }
            SessionsCommand.show(answer.json)
        }
    }

    /// The session as a person reads it: what fired, what ran and how it ended, and what is
    /// still waiting.
    static func show(_ session: JSONValue) {
        let object = session.objectValue ?? [:]
        var summary = Table()
        summary.append(["session", cell(object["uid"], limit: 200)])
        let finalize = object["finalizeTrigger"]?.stringValue.map { " (finalize trigger: \($0))" } ?? ""
        summary.append(["finalized", cell(object["finalized"]) + finalize])
        let unresolved = object["unresolvedTasks"]?.arrayValue?.compactMap(\.stringValue) ?? []
        summary.append(["unresolved", unresolved.isEmpty ? "-" : unresolved.joined(separator: ", ")])
        var output = [summary.text]

        var tasks = Table(["TASK", "AFTER", "RUN"])
        for task in object["tasks"]?.objectValue?.fields ?? [] {
            let config = task.value.objectValue ?? [:]
            let after = config["after"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ", ") ?? "-"
            tasks.append([task.key, after, cell(config["run"])])
        }
        if !tasks.rows.isEmpty { output.append(tasks.text) }

        var fired = Table(["FIRED", "KWARGS"])
        for trigger in object["fired"]?.objectValue?.fields ?? [] {
            fired.append([trigger.key, cell(trigger.value, limit: 100)])
        }
        if !fired.rows.isEmpty { output.append(fired.text) }

        var instances = Table(["INSTANCE", "STATUS", "RESULT, ERROR OR KWARGS"])
        for instance in (object["instances"]?.arrayValue ?? []).compactMap(\.objectValue) {
            let detail = [instance["result"], instance["error"], instance["kwargs"]].first { $0 != nil && $0 != .null } ?? nil
            instances.append([cell(instance["name"]), cell(instance["status"]), cell(detail, limit: 100)])
        }
        if !instances.rows.isEmpty { output.append(instances.text) }
        say(output.joined(separator: "\n\n"))
    }
}
