import Courier
import CourierServer
import CourierTesting
import Foundation
import Hummingbird
import Prometheus
import Testing

/// The OpenAPI document held to what it describes: the routes the router really has, and the
/// judgement of an independent validator (`openapi-spec-validator` from PyPI, installed by
/// `scripts/test`) rather than our own reading of the specification.
@Suite struct OpenAPITests {
    static let validator = #"""
        import json, sys
        from openapi_spec_validator import validate
        try:
            validate(json.load(open(sys.argv[1])))
            print("valid")
        except Exception as error:
            print("invalid: %s" % str(error).splitlines()[0])
        """#

    /// The paths the document covers; the dashboard's pages are not part of the API.
    static func isDescribed(_ path: String) -> Bool {
        path.hasPrefix("/v1/") || ["/healthz", "/metrics", "/openapi.json"].contains(path)
    }

    @Test func theDocumentIsServedAsJSONWithoutAToken() async throws {
        try await TestServer.with { server in
            let answer = try await server.api.withToken(nil).get("/openapi.json")
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.headers.first { $0.name.lowercased() == "content-type" }?.value == "application/json")
            #expect(answer["openapi"]?.stringValue == "3.1.0", "the body parses as a JSON object")
            #expect(answer["info"]?.objectValue?["version"]?.stringValue == Courier.version)
        }
    }

    /// Both ways: a route added without its description fails, and so does a described route
    /// that the router does not have (a typo in a path, a method that was never added).
    @Test func theDocumentDescribesExactlyTheRoutesTheRouterHas() async throws {
        try await TestServer.with { server in
            let document = try await server.api.withToken(nil).get("/openapi.json").json
            // As `courier serve` makes it, with `/metrics`.
            let router = CourierServer.makeRouter(
                store: server.store, configuration: .init(), adminTokenHash: TokenSecret.hash(TestServer.adminToken),
                metrics: PrometheusCollectorRegistry()
            )
            let routed = Set(router.routes.filter { Self.isDescribed($0.path.description) }.map { "\($0.method.rawValue) \($0.path)" })
            #expect(routed.isSuperset(of: ["GET /healthz", "GET /metrics", "GET /openapi.json", "POST /v1/events"]), "\(routed.sorted())")

            var described = Set<String>()
            let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
            for path in document.objectValue?["paths"]?.objectValue?.fields ?? [] {
                for method in methods where path.value.objectValue?[method] != nil {
                    described.insert("\(method.uppercased()) \(path.key)")
                }
            }
            #expect(routed.subtracting(described).sorted() == [], "routes the document leaves out")
            #expect(described.subtracting(routed).sorted() == [], "described routes the router does not have")
        }
    }

    @Test func anIndependentValidatorAcceptsTheDocument() async throws {
        try await TestServer.with { server in
            let answer = try await server.api.withToken(nil).get("/openapi.json")
            let verdict = try await validate(answer.text)
            #expect(verdict == "valid")
            // And it refuses a reference to nothing, so the check is real.
            let broken = answer.text.replacingOccurrences(of: "\"#/components/schemas/Tenant\"", with: "\"#/components/schemas/Nobody\"")
            #expect(broken != answer.text)
            let brokenVerdict = try await validate(broken)
            #expect(brokenVerdict.hasPrefix("invalid"), "\(brokenVerdict)")
        }
    }

    private func validate(_ document: String) async throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("openapi-\(UUID().uuidString).json")
        try Data(document.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let output = try await ExternalCommand.run(["python3", "-c", Self.validator, file.path])
        let text = output.text.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(output.status == 0, "python3 with openapi-spec-validator is needed (scripts/test installs it): \(text)")
        return text
    }
}
