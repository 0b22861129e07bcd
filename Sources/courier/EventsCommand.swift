import ArgumentParser
import Courier
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `courier events`: publishing by hand, to try an endpoint out or to load a file of events.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Publish events.", subcommands: [Publish.self]
    )

    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish one event, or a file of them.",
            discussion: """
                One event: --type and the payload as JSON, given as an argument or on standard input \
                (no payload when standard input is a terminal).
                A file: --file with a JSON array of events ({type, payload?, key?, idempotencyKey?, \
                occurredAt?}), checked whole first, then published in requests of up to 1,000 events \
                and --max-request-size bytes.
                """
        )

        /// The API's limit on the events of one request.
        static let chunkSize = 1000

        @OptionGroup var connection: ConnectionOptions

        @Option(help: "The event's type, such as case.updated.")
        var type: String?

        @Argument(help: "The payload as JSON; read from standard input when left out.")
        var payload: String?

        @Option(help: "The event's subject (a case id, say).")
        var key: String?

        @Option(help: "A key that makes publishing again safe: a repeat stores nothing and answers the first event's id.")
        var idempotencyKey: String?

        @Option(help: "A file holding a JSON array of events (- for standard input).")
        var file: String?

        @Option(help: "With --file, the most one request may carry, in bytes: the server's --max-body-size.")
        var maxRequestSize: Int = 1 << 20

        func validate() throws {
            if file != nil {
                guard type == nil, payload == nil, key == nil, idempotencyKey == nil else {
                    throw ValidationError("--file takes the events from the file: leave out --type, the payload, --key and --idempotency-key")
                }
            } else if type == nil {
                throw ValidationError("give --type (and a payload), or --file")
            }
            guard maxRequestSize >= 1024 else { throw ValidationError("--max-request-size must be at least 1024 bytes") }
        }

        func run() async throws {
            let api = try connection.connect()
            if let file { return try await publish(file: file, api: api) }
            var event: JSONObject = ["type": .string(type ?? "")]
            if let body = try payloadText() { event["payload"] = try Self.parse(body, what: "the payload") }
            if let key { event["key"] = .string(key) }
            if let idempotencyKey { event["idempotencyKey"] = .string(idempotencyKey) }
            let answer = try await api.post(
                "/v1/events", .object(event),
                options: ["type": "--type", "payload": "the payload", "key": "--key", "idempotencyKey": "--idempotency-key"]
            )
            if connection.json { return say(json: answer.bytes) }
            if answer["duplicate"]?.boolValue == true {
                say("\(cell(answer["id"])) already published with this idempotency key; nothing stored")
            } else {
                say("\(cell(answer["id"])) published: \(cell(answer["deliveries"])) deliveries")
            }
        }

        /// The payload argument, or standard input when it is not a terminal.
        private func payloadText() throws -> String? {
            if let payload { return payload }
            guard isatty(STDIN_FILENO) == 0 else { return nil }
            let text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            return text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : text
        }

        /// Checks the whole file with the server's own rules before sending any of it, so that a
        /// bad event at #2,500 does not leave the first 2,000 published and the rest not.
        private func publish(file: String, api: APIConnection) async throws {
            let data: Data
            if file == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let contents = FileManager.default.contents(atPath: file) else {
                    throw CommandFailure("cannot read \(file)")
                }
                data = contents
            }
            guard let events = try Self.parse(String(decoding: data, as: UTF8.self), what: file).arrayValue else {
                throw CommandFailure("\(file) must hold a JSON array of events")
            }
            do throws(CourierError) {
                if !events.isEmpty { _ = try NewEvent.parseBatch(.array(events), limit: .max) }
            } catch {
                throw CommandFailure(error)
            }
            let chunks = try Self.chunks(events, maxCount: Self.chunkSize, maxBytes: maxRequestSize)
            var answers: [JSONValue] = []
            for chunk in chunks {
                do {
                    answers += try await api.post("/v1/events", .array(chunk)).json.arrayValue ?? []
                } catch {
                    if !answers.isEmpty { note("the first \(answers.count) events were published; the rest were not") }
                    throw error
                }
                note("published \(answers.count) of \(events.count) events")
            }
            if connection.json { return say(json: JSONValue.array(answers).bytes) }
            let duplicates = answers.filter { $0.objectValue?["duplicate"]?.boolValue == true }.count
            let deliveries = answers.reduce(0) { $0 + Int($1.objectValue?["deliveries"]?.doubleValue ?? 0) }
            say("published \(events.count) events: \(events.count - duplicates) new, \(duplicates) duplicates, \(deliveries) deliveries")
        }

        /// The events in requests of at most `maxCount` events and `maxBytes` bytes, in order.
        /// An event that could not fit in any request is refused before anything is sent, so
        /// that the file is published whole or not at all, as far as its size goes.
        static func chunks(_ events: [JSONValue], maxCount: Int, maxBytes: Int) throws(CommandFailure) -> [[JSONValue]] {
            var chunks: [[JSONValue]] = []
            var current: [JSONValue] = []
            var bytes = 2  // the array's brackets
            for (index, event) in events.enumerated() {
                let size = event.bytes.count
                guard size + 2 <= maxBytes else {
                    throw CommandFailure(
                        "event #\(index) is \(size) bytes; a request may carry at most \(maxBytes) (--max-request-size, the server's --max-body-size). Nothing was published"
                    )
                }
                let added = size + (current.isEmpty ? 0 : 1)
                if current.count == maxCount || bytes + added > maxBytes {
                    chunks.append(current)
                    current = []
                    bytes = 2
                }
                bytes += size + (current.isEmpty ? 0 : 1)
                current.append(event)
            }
            if !current.isEmpty { chunks.append(current) }
            return chunks
        }

        private static func parse(_ text: String, what: String) throws(CommandFailure) -> JSONValue {
            do {
                return try JSONParser.parse(text)
            } catch {
                throw CommandFailure("\(what) is not valid JSON: \(error)")
            }
        }
    }
}
