import ArgumentParser
import Courier

/// `courier endpoints`: setting up destinations and taking them out of service and back,
/// the everyday part of the endpoint API.
struct EndpointsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "endpoints",
        abstract: "List, create, pause, resume and test endpoints.",
        subcommands: [List.self, Create.self, Pause.self, Resume.self, Test.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the tenant's endpoints (every page).")

        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let listing = try await connection.connect().list("/v1/endpoints", query: [], limit: nil, all: true)
            if connection.json { return say(json: listing.json.bytes) }
            var table = Table(["ID", "NAME", "STATUS", "HEALTH", "EVENT TYPES", "URL"])
            for endpoint in listing.items.compactMap(\.objectValue) {
                let types = endpoint["eventTypes"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ",") ?? ""
                table.append([
                    cell(endpoint["id"]), cell(endpoint["name"]), EndpointsCommand.status(endpoint),
                    cell(endpoint["health"]?.objectValue?["state"]), types.isEmpty ? "-" : types, cell(endpoint["url"], limit: 80),
                ])
            }
            table.show(ifEmpty: "no endpoints")
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an endpoint; prints it with its signing secret.",
            discussion: "Retry policies, batching, formats and auth are set through the API (POST /v1/endpoints)."
        )

        @OptionGroup var connection: ConnectionOptions

        @Option(help: "The URL Courier sends requests to.")
        var target: String

        @Option(name: .customLong("event-type"), help: "An event type to subscribe to: case.updated, case.* or *; repeat for more.")
        var eventTypes: [String] = []

        @Option(help: "A name, unique in the tenant (tasks and message backends refer to endpoints by name).")
        var name: String?

        @Option(help: "The signing secret (whsec_…); one is generated when left out.")
        var secret: String?

        func run() async throws {
            var body: JSONObject = ["url": .string(target), "eventTypes": .array(eventTypes.map(JSONValue.string))]
            if let name { body["name"] = .string(name) }
            if let secret { body["secret"] = .string(secret) }
            let answer = try await connection.connect().post(
                "/v1/endpoints", .object(body), options: ["url": "--target", "eventTypes": "--event-type", "name": "--name", "secret": "--secret"]
            )
            if eventTypes.isEmpty {
                // Allowed (a task's or a message backend's endpoint), but easy to do by mistake.
                note("note: it subscribes to no event type; it gets only test events, task runs and message batches sent to it by name")
            }
            if connection.json { return say(json: answer.bytes) }
            EndpointsCommand.show(answer.json)
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pause an endpoint: its deliveries wait until it is resumed.")

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The endpoint's id.")
        var id: NonEmptyArgument

        @Option(help: "Why, for whoever looks at the endpoint next.")
        var reason: String?

        func run() async throws {
            var body = JSONObject()
            if let reason { body["reason"] = .string(reason) }
            let answer = try await connection.connect().post(
                APIConnection.path("endpoints", id.value, "pause"), .object(body), options: ["reason": "--reason"]
            )
            if connection.json { return say(json: answer.bytes) }
            say("\(cell(answer["id"])) \(EndpointsCommand.status(answer.json.objectValue ?? [:]))")
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resume a paused or disabled endpoint: what waited goes at once.")

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The endpoint's id.")
        var id: NonEmptyArgument

        func run() async throws {
            let answer = try await connection.connect().post(APIConnection.path("endpoints", id.value, "resume"))
            if connection.json { return say(json: answer.bytes) }
            say("\(cell(answer["id"])) \(EndpointsCommand.status(answer.json.objectValue ?? [:]))")
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a courier.test event to this endpoint alone, whatever it subscribes to."
        )

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The endpoint's id.")
        var id: NonEmptyArgument

        func run() async throws {
            let answer = try await connection.connect().post(APIConnection.path("endpoints", id.value, "test"))
            if connection.json { return say(json: answer.bytes) }
            say("sent a courier.test event to \(id): delivery \(cell(answer["id"])) (\(cell(answer["state"])))")
            note("see how it went: courier deliveries show \(cell(answer["id"]))")
        }
    }

    /// `active`, or `paused` / `disabled` with the reason, which is what a person needs to act.
    static func status(_ endpoint: JSONObject) -> String {
        let status = cell(endpoint["status"])
        guard let reason = endpoint["statusReason"]?.stringValue else { return status }
        return "\(status) (\(reason))"
    }

    static func show(_ endpoint: JSONValue) {
        let object = endpoint.objectValue ?? [:]
        var table = Table()
        table.append(["id", cell(object["id"])])
        table.append(["name", cell(object["name"])])
        table.append(["url", cell(object["url"], limit: 200)])
        table.append(["event types", object["eventTypes"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ", ") ?? "-"])
        table.append(["status", status(object)])
        table.append(["secret", cell(object["secret"], limit: 200)])
        say(table.text)
    }
}
