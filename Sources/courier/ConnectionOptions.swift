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
        guard let token = token ?? environment["COURIER_TOKEN"], !token.isEmpty else {
            throw CommandFailure("no API token: give --token or set COURIER_TOKEN (the admin token `courier serve` printed, or a tenant's token)")
        }
        return try APIConnection(baseURL: baseURL, token: token, tenant: tenant)
    }
}
