import ArgumentParser
import Foundation

/// Where the running server is and who is asking; shared by every command that uses the API.
///
/// The URL and the token also come from the environment, so that a shell set up once
/// (`export COURIER_TOKEN=…`) does not repeat a secret on every command line.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .customLong("url"), help: "The server's base URL (default: $COURIER_URL, else http://127.0.0.1:8080).")
    var url: String?

    @Option(help: "The API token (default: $COURIER_TOKEN).")
    var token: String?

    @Option(help: "The tenant to act in, for the admin token (sent as the Courier-Tenant header).")
    var tenant: String?

    @Flag(help: "Print the API's JSON instead of a table.")
    var json = false

    func connect() throws(CommandFailure) -> APIConnection {
        let environment = ProcessInfo.processInfo.environment
        let baseURL = url ?? environment["COURIER_URL"] ?? "http://127.0.0.1:8080"
        // `export COURIER_TOKEN="$(cat file)"` keeps the file's line break: white space around
        // a token is no part of it, as the server also reads it.
        let given = (token ?? environment["COURIER_TOKEN"])?.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let token = given, !token.isEmpty else {
            throw CommandFailure("no API token: give --token or set COURIER_TOKEN (the admin token `courier serve` printed, or a tenant's token)")
        }
        // Said without the token itself, which would otherwise end up in a terminal's scrollback.
        guard !token.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw CommandFailure("the API token contains a control character such as a line break; check --token or COURIER_TOKEN")
        }
        let tenant = tenant?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let tenant, tenant.isEmpty || tenant.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw CommandFailure("--tenant must name a tenant, without control characters")
        }
        return try APIConnection(baseURL: baseURL, token: token, tenant: tenant)
    }
}
