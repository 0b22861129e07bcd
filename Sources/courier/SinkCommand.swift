import ArgumentParser
import Courier
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import UnixSignals

/// `courier sink`: a receiver on your own machine for trying Courier out. It shows what an
/// endpoint gets, and with the endpoint's secret it checks the signature as a real receiver
/// must, answering 401 with the reason when it does not match.
struct SinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sink",
        abstract: "Run a local receiver that prints every request and verifies its signature.",
        discussion: """
            Point an endpoint at it (the server needs --allow-private-targets for a receiver on \
            loopback). It answers 204, or 401 with the reason when --secret is given and the \
            Standard Webhooks signature does not match.
            """
    )

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0 picks a free one).")
    var port = 9000

    @Option(help: "The endpoint's signing secret (whsec_…): requests whose signature does not match get a 401.")
    var secret: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
        if let secret {
            do throws(CourierError) {
                _ = try WebhookSecret(secret, field: "--secret")
            } catch {
                throw ValidationError(error.message)
            }
        }
    }

    func run() async throws {
        let signer = try secret.map { WebhookSigner(secret: try WebhookSecret($0)) }
        let sink = Sink(signer: signer)
        let host = host
        let checking = signer == nil ? "not checking signatures: no --secret" : "checking signatures"
        let app = sink.application(host: host, port: port) { channel in
            say("Courier sink listening on \(listeningURL(host: host, port: channel.localAddress?.port)) (\(checking))")
        }
        let group = ServiceGroup(configuration: .init(
            services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: Logger(label: "courier.sink")
        ))
        try await group.run()
    }
}

/// The receiver behind `courier sink`.
private final class Sink: Sendable {
    let signer: WebhookSigner?
    /// Requests are answered concurrently; each one's lines are printed together.
    private let output = Mutex(())

    private static let largestBody = 64 << 20
    private static let webhookID = HTTPField.Name("webhook-id")!
    private static let webhookTimestamp = HTTPField.Name("webhook-timestamp")!
    private static let webhookSignature = HTTPField.Name("webhook-signature")!

    init(signer: WebhookSigner?) {
        self.signer = signer
    }

    func application(
        host: String, port: Int, onServerRunning: @escaping @Sendable (any Channel) async -> Void
    ) -> some ApplicationProtocol {
        let router = Router()
        for method in [HTTPRequest.Method.post, .put] {
            router.on("/", method: method) { [self] request, _ in try await self.receive(request) }
            router.on("**", method: method) { [self] request, _ in try await self.receive(request) }
        }
        var logger = Logger(label: "courier.sink")
        logger.logLevel = .warning
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: onServerRunning,
            logger: logger
        )
    }

    private func receive(_ request: Request) async throws -> Response {
        var request = request
        let body = Array(try await request.collectBody(upTo: Self.largestBody).readableBytesView)
        let refusal = refusal(of: request, body: body)
        let json = try? JSONParser.parse(body)
        let answer = refusal.map { "401 \($0)" } ?? (signer == nil ? "204" : "204 signature ok")
        let line = [
            Timestamp.format(Date()), "\(request.method.rawValue) \(request.uri.path)",
            request.headers[Self.webhookID] ?? "-", Self.eventType(json), "→ \(answer)",
        ].joined(separator: "  ")
        let shown = json?.prettyPrinted ?? (body.isEmpty ? "(no body)" : String(decoding: body, as: UTF8.self))
        output.withLock { _ in say(line + "\n" + shown + "\n") }
        guard let refusal else { return Response(status: .noContent) }
        return Response(
            status: .unauthorized, headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: refusal + "\n"))
        )
    }

    /// Why the request must be refused, or nil to accept it.
    private func refusal(of request: Request, body: [UInt8]) -> String? {
        guard let signer else { return nil }
        for name in [Self.webhookID, Self.webhookTimestamp, Self.webhookSignature] where request.headers[name] == nil {
            return "the \(name.canonicalName) header is missing"
        }
        do throws(WebhookSigner.VerificationFailure) {
            try signer.verify(
                id: request.headers[Self.webhookID] ?? "", timestamp: request.headers[Self.webhookTimestamp] ?? "",
                signatures: request.headers[Self.webhookSignature] ?? "", body: body
            )
            return nil
        } catch {
            return error.description
        }
    }

    /// The event's type from the envelope, or what else the request carries.
    private static func eventType(_ body: JSONValue?) -> String {
        switch body {
        case .object(let object)?:
            if let type = object["type"]?.stringValue { return type }
            if let task = object["task"]?.stringValue { return "task \(task)" }
            return object["messageId"] != nil ? "message" : "-"
        case .array(let items)?:
            return "batch of \(items.count)"
        default:
            return "-"
        }
    }
}
