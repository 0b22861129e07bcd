import Courier
import CourierTesting
import Foundation
import Testing

/// Each payload format end to end: the exact bytes and content type a real receiver gets.
@Suite struct FormatDeliveryTests {
    static let payload = #"{"name":"Zoë & co","n":1.50,"tags":["a","b"],"ok":true}"#

    /// Creates an endpoint with `format`, publishes the payload, and returns the request and the event id.
    func deliver(_ format: String, store: StoreKind) async throws -> (RecordingReceiver.Request, String)? {
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }
        var result: (RecordingReceiver.Request, String)?
        try await TestServer.with(store) { server in
            _ = try await server.createEndpoint(url: receiver.url + "/hook", extra: #""format":\#(format)"#)
            let id = try await server.publish(payload: Self.payload)
            let request = try #require(try await receiver.waitForRequests(1).first)
            #expect(request.header("webhook-id") == id)
            #expect(request.header("webhook-signature")?.hasPrefix("v1,") == true)
            result = (request, id)
        }
        return result
    }

    @Test(arguments: StoreKind.all) func raw(_ store: StoreKind) async throws {
        let (request, _) = try #require(try await deliver(#""raw""#, store: store))
        #expect(request.bodyText == Self.payload)
        #expect(request.header("content-type") == "application/json")
    }

    @Test(arguments: StoreKind.all) func form(_ store: StoreKind) async throws {
        let (request, _) = try #require(try await deliver(#""form""#, store: store))
        #expect(request.bodyText == "name=Zo%C3%AB+%26+co&n=1.50&tags%5B0%5D=a&tags%5B1%5D=b&ok=true")
        #expect(request.header("content-type") == "application/x-www-form-urlencoded")
    }

    @Test(arguments: StoreKind.all) func xml(_ store: StoreKind) async throws {
        let (request, id) = try #require(try await deliver(#""xml""#, store: store))
        #expect(request.bodyText.hasPrefix(#"<?xml version="1.0" encoding="UTF-8"?><event id="\#(id)" type="case.updated" timestamp=""#))
        #expect(request.bodyText.hasSuffix(
            #""><data><name>Zoë &amp; co</name><n>1.50</n><tags><item>a</item><item>b</item></tags><ok>true</ok></data></event>"#
        ), "\(request.bodyText)")
        #expect(request.header("content-type") == "application/xml")
    }

    @Test(arguments: StoreKind.all) func template(_ store: StoreKind) async throws {
        let format = #"{"template":"{{type}}: {{data.name}} ({{data.n}}){{#data.tags}} #{{.}}{{/data.tags}}","contentType":"text/plain"}"#
        let (request, _) = try #require(try await deliver(format, store: store))
        #expect(request.bodyText == "case.updated: Zoë &amp; co (1.50) #a #b")
        #expect(request.header("content-type") == "text/plain")
    }

    @Test(arguments: StoreKind.all) func aTemplateThatRendersNothingMakesTheDeliveryEmptyWithoutARequest(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            _ = try await server.createEndpoint(
                url: receiver.url + "/hook", extra: #""format":{"template":"{{#data.urgent}}Urgent: {{data.name}}{{/data.urgent}}"}"#
            )
            let quiet = try await server.publish(payload: #"{"name":"x","urgent":false}"#)
            let loud = try await server.publish(payload: #"{"name":"y","urgent":true}"#)
            let quietDelivery = try #require(try await server.deliveries(ofEvent: quiet).first)
            let done = try await server.waitForDelivery(quietDelivery.string("id")!) { $0.state == "empty" }
            #expect(done.attempts.map { $0.string("outcome") } == ["empty"])
            let requests = try await receiver.waitForRequests(1)
            try await Task.sleep(for: .milliseconds(200))
            #expect(receiver.requests().count == 1 && requests[0].header("webhook-id") == loud)
            #expect(requests[0].bodyText == "Urgent: y")
        }
    }

    @Test(arguments: StoreKind.all) func badFormatsAreRefusedWhenTheEndpointIsSaved(_ store: StoreKind) async throws {
        try await TestServer.with(store) { server in
            for (format, field) in [
                (#"{"template":"{{#open}}never closed"}"#, "format.template"), (#""yaml""#, "format"),
                (#"{"template":"x","colour":"red"}"#, "format.colour"), (#"{"template":"x","contentType":"text/plain\r\nx: y"}"#, "format.contentType"),
                (#"42"#, "format"),
            ] {
                let answer = try await server.api.post("/v1/endpoints", #"{"url":"http://127.0.0.1:9/h","eventTypes":["*"],"format":\#(format)}"#)
                #expect(answer.status == 400 && answer.errorField == field, "\(format): \(answer.text)")
            }
            let batchedXML = try await server.api.post(
                "/v1/endpoints", #"{"url":"http://127.0.0.1:9/h","eventTypes":["*"],"format":"xml","batch":{"maxSize":5}}"#
            )
            #expect(batchedXML.status == 400 && batchedXML.errorField == "format", "\(batchedXML.text)")
            #expect(try await server.api.get("/v1/endpoints")["data"]?.arrayValue?.isEmpty == true, "nothing was stored")
            let id = try await server.createEndpoint(url: "http://127.0.0.1:9/h", extra: #""format":"raw","batch":{"maxSize":5}"#)
            #expect(try await server.api.get("/v1/endpoints/\(id)")["format"] == .string("raw"))
        }
    }
}

/// Method and static headers at a real receiver.
@Suite struct MethodAndHeaderTests {
    @Test(arguments: StoreKind.all) func putWithTheEndpointsOwnHeadersBesideCouriers(_ store: StoreKind) async throws {
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }
        try await TestServer.with(store) { server in
            _ = try await server.createEndpoint(
                url: receiver.url + "/hook", extra: #""method":"PUT","headers":{"X-Team":"forms","X-Trace":"a b"}"#
            )
            let id = try await server.publish()
            let request = try #require(try await receiver.waitForRequests(1).first)
            #expect(request.method == "PUT")
            #expect(request.header("x-team") == "forms" && request.header("x-trace") == "a b")
            #expect(request.header("webhook-id") == id && request.header("content-type") == "application/json")
            #expect(request.headers.filter { $0.name.lowercased() == "webhook-signature" }.count == 1)
        }
    }
}
