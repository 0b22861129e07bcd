import Courier
import CourierTesting
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// DeliveryHTTPClient against real TCP servers on loopback whose every byte the test decides.
@Suite(.timeLimit(.minutes(3))) struct DeliveryHTTPClientTests {
    /// The deadline of exchanges that are meant to succeed: long, because the whole test suite
    /// shares two cores and only a broken exchange should ever reach it.
    static let generous = TimeAmount.seconds(30)

    // MARK: Keep-alive and concurrency

    @Test func sequentialRequestsShareOneConnectionAndArriveIntact() async throws {
        let statuses = [200, 201, 202, 400, 404, 410, 500, 503]
        let server = try await ByteServer.start { request in
            let seq = Int(request.value("x-seq") ?? "") ?? -1
            return [.send(answer(
                statuses[seq % statuses.count],
                headers: ["x-seq: \(seq)", "set-cookie: a=\(seq)", "set-cookie: b=\(seq)", "x-empty:", "x-padded: \t padded  value \t"],
                body: responseBody(seq)
            ))]
        }
        let client = DeliveryHTTPClient()
        for seq in 0..<20 {
            let target = try #require(HTTPRequestTarget(url: "\(server.url)/hooks/in%20box?seq=\(seq)&kind=a%26b"))
            let result = try await client.execute(
                target, method: seq.isMultiple(of: 2) ? .POST : .PUT,
                headers: [
                    HeaderField(name: "X-Seq", value: "\(seq)"),
                    HeaderField(name: "X-Twice", value: "one"),
                    HeaderField(name: "X-Twice", value: "two"),
                    HeaderField(name: "Content-Type", value: "application/json; charset=utf-8"),
                ],
                body: requestBody(seq), deadline: .now() + Self.generous
            )
            #expect(result.status == statuses[seq % statuses.count])
            #expect(result.body == responseBody(seq))
            #expect(!result.bodyTruncated)
            #expect(result.headers.values("x-seq") == ["\(seq)"])
            #expect(result.headers.values("set-cookie") == ["a=\(seq)", "b=\(seq)"], "duplicates kept, in order")
            #expect(result.headers.values("x-empty") == [""])
            // The white space around a field's value is not part of it (RFC 9112 §5); inside, it is.
            #expect(result.headers.values("x-padded") == ["padded  value"])
        }
        #expect(server.accepted == 1, "all 20 requests on one kept-alive connection")

        let requests = server.requests
        try #require(requests.count == 20)
        for (seq, request) in requests.enumerated() {
            #expect(request.connection == 1)
            #expect(request.indexOnConnection == seq)
            #expect(request.method == (seq.isMultiple(of: 2) ? "POST" : "PUT"))
            #expect(request.target == "/hooks/in%20box?seq=\(seq)&kind=a%26b")
            #expect(request.version == "HTTP/1.1")
            #expect(request.values("host") == ["127.0.0.1:\(server.port)"])
            #expect(request.values("content-length") == ["\(requestBody(seq).count)"])
            #expect(request.values("transfer-encoding").isEmpty)
            #expect(request.values("x-seq") == ["\(seq)"])
            #expect(request.values("x-twice") == ["one", "two"])
            #expect(request.values("content-type") == ["application/json; charset=utf-8"])
            #expect(request.body == requestBody(seq))
        }
        await client.shutdown()
        await server.stop()
    }

    @Test func framingHeadersOfTheCallerAreReplaced() async throws {
        let server = try await ByteServer.start { _ in [.send(answer(200, body: Array("ok".utf8)))] }
        let client = DeliveryHTTPClient()
        let target = try #require(HTTPRequestTarget(url: server.url + "/h"))
        for _ in 0..<2 {
            let result = try await client.execute(
                target, method: .POST,
                headers: [
                    HeaderField(name: "Host", value: "evil.example"),
                    HeaderField(name: "Content-Length", value: "999"),
                    HeaderField(name: "Transfer-Encoding", value: "chunked"),
                    HeaderField(name: "Connection", value: "close"),
                    HeaderField(name: "X-Kept", value: "yes"),
                ],
                body: Array("abc".utf8), deadline: .now() + Self.generous
            )
            #expect(result.status == 200)
        }
        let requests = server.requests
        try #require(requests.count == 2)
        for request in requests {
            #expect(request.values("host") == ["127.0.0.1:\(server.port)"])
            #expect(request.values("content-length") == ["3"])
            #expect(request.values("transfer-encoding").isEmpty)
            #expect(request.values("connection").isEmpty)
            #expect(request.values("x-kept") == ["yes"])
            #expect(request.body == Array("abc".utf8))
        }
        #expect(server.accepted == 1, "a caller's connection: close does not end the kept-alive connection")
        await client.shutdown()
        await server.stop()
    }

    /// Many endpoints can share one receiver's host: past the cap, requests wait for a
    /// connection to come free instead of opening more.
    @Test func connectionsPerOriginAreCapped() async throws {
        let server = try await ByteServer.start { _ in [.pause(.milliseconds(100)), .send(answer(200, body: Array("ok".utf8)))] }
        let client = DeliveryHTTPClient(configuration: .init(maxConnectionsPerOrigin: 2))
        let target = try #require(HTTPRequestTarget(url: server.url + "/capped"))
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous).status
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 8))
        #expect(server.accepted == 2, "never more than the cap: \(server.accepted)")
        await client.shutdown()
        await server.stop()
    }

    @Test func concurrentRequestsEachGetTheirOwnConnectionAndReuseThem() async throws {
        // The server holds every answer until 16 requests are waiting, so that the 16 really
        // are under way at once and need 16 connections.
        let barrier = Barrier(size: 16)
        let server = try await ByteServer.start { request in
            await barrier.arrive()
            return [.send(answer(200, headers: ["x-id: \(request.value("x-id") ?? "")"], body: Array("for \(request.value("x-id") ?? "")".utf8)))]
        }
        let client = DeliveryHTTPClient()
        let target = try #require(HTTPRequestTarget(url: server.url + "/concurrent"))

        func round(_ round: Int) async throws {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<16 {
                    group.addTask {
                        let id = "\(round)-\(index)"
                        let result = try await client.execute(
                            target, method: .POST, headers: [HeaderField(name: "x-id", value: id)], body: Array(id.utf8),
                            deadline: .now() + .seconds(20)
                        )
                        #expect(result.status == 200)
                        #expect(result.body == Array("for \(id)".utf8), "each request gets its own answer")
                        #expect(result.headers.values("x-id") == [id])
                    }
                }
                try await group.waitForAll()
            }
        }

        try await round(1)
        #expect(server.accepted <= 16)
        #expect(server.accepted == 16, "16 requests under way at once need 16 connections")
        let afterFirst = server.accepted
        try await round(2)
        #expect(server.accepted == afterFirst, "the second 16 reuse the pooled connections")
        #expect(server.requests.count == 32)
        #expect(Set(server.requests.map(\.connection)).count == afterFirst)
        #expect(server.closed == 0)
        await client.shutdown()
        await server.stop()
    }

    // MARK: Stale pooled connections

    /// The receiver answers and then closes: at once or a moment later, saying so in the answer
    /// or not. The next request must still get an answer, on a new connection.
    @Test(arguments: [0, 30], [false, true])
    func connectionClosedByTheReceiverAfterAnAnswerIsNotAProblem(closeAfterMilliseconds: Int, saysClose: Bool) async throws {
        let server = try await ByteServer.start { request in
            let headers = saysClose ? ["connection: close"] : []
            var steps: [ServerStep] = [.send(answer(200, headers: headers, body: Array("c\(request.connection)".utf8)))]
            if closeAfterMilliseconds > 0 { steps.append(.pause(.milliseconds(Int64(closeAfterMilliseconds)))) }
            steps.append(.close)
            return steps
        }
        let client = DeliveryHTTPClient()
        let target = try #require(HTTPRequestTarget(url: server.url + "/stale"))
        for expected in 1...3 {
            let result = try await client.execute(target, method: .POST, headers: [], body: [1, 2, 3], deadline: .now() + Self.generous)
            #expect(result.status == 200)
            #expect(result.body == Array("c\(expected)".utf8), "request \(expected) answered on connection \(expected)")
        }
        #expect(server.accepted == 3)
        await client.shutdown()
        await server.stop()
    }

    @Test func answerWithConnectionCloseIsNeverReused() async throws {
        // The server keeps its side open: only the header tells the client not to reuse.
        let server = try await ByteServer.start { request in
            [.send(answer(200, headers: ["connection: close"], body: Array("c\(request.connection)".utf8)))]
        }
        let client = DeliveryHTTPClient()
        let target = try #require(HTTPRequestTarget(url: server.url + "/once"))
        for expected in 1...5 {
            let result = try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
            #expect(result.body == Array("c\(expected)".utf8))
        }
        #expect(server.accepted == 5)
        #expect(server.requests.allSatisfy { $0.indexOnConnection == 0 }, "one request per connection")
        #expect(await eventually { server.closed == 5 }, "the client closes each connection itself")
        await client.shutdown()
        await server.stop()
    }

    /// The pooled connection looks fine to the client but the receiver drops it when the next
    /// request arrives: the request is sent again, once, on a new connection.
    @Test(arguments: [ServerStep.close, .reset])
    func pooledConnectionDroppedAtTheNextRequestIsRetriedOnANewConnection(drop: ServerStep) async throws {
        let server = try await ByteServer.start { request in
            if request.connection == 1 && request.indexOnConnection == 1 { return [drop] }
            return [.send(answer(200, body: Array("c\(request.connection)".utf8)))]
        }
        let client = DeliveryHTTPClient()
        let target = try #require(HTTPRequestTarget(url: server.url + "/retry"))
        let first = try await client.execute(target, method: .POST, headers: [], body: Array("first".utf8), deadline: .now() + Self.generous)
        #expect(first.body == Array("c1".utf8))
        let second = try await client.execute(
            target, method: .POST, headers: [HeaderField(name: "x-n", value: "2")], body: Array("second".utf8),
            deadline: .now() + Self.generous
        )
        #expect(second.status == 200)
        #expect(second.body == Array("c2".utf8))
        #expect(server.accepted == 2)
        let requests = server.requests
        try #require(requests.count == 3)
        #expect(requests[1].connection == 1 && requests[1].body == Array("second".utf8), "first went on the pooled connection")
        #expect(requests[2].connection == 2 && requests[2].body == Array("second".utf8), "then the same request on a new one")
        #expect(requests[2].values("x-n") == ["2"])
        await client.shutdown()
        await server.stop()
    }

    @Test func retryOnANewConnectionHappensOnlyOnce() async throws {
        let server = try await ByteServer.start { request in
            request.connection == 1 && request.indexOnConnection == 0 ? [.send(answer(200, body: []))] : [.close]
        }
        let client = DeliveryHTTPClient()
        let target = try #require(HTTPRequestTarget(url: server.url + "/"))
        _ = try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
        let error = await #expect(throws: DeliveryHTTPError.self) {
            try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
        }
        #expect(error == .closedBeforeResponse)
        #expect(server.accepted == 2, "the pooled connection and one new one")
        #expect(server.requests.count == 3)
        await client.shutdown()
        await server.stop()
    }

    @Test func freshConnectionClosedWithoutAnAnswerIsNotRetried() async throws {
        let server = try await ByteServer.start { _ in [.close] }
        let client = DeliveryHTTPClient()
        let target = try #require(HTTPRequestTarget(url: server.url + "/"))
        let error = await #expect(throws: DeliveryHTTPError.self) {
            try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
        }
        #expect(error == .closedBeforeResponse)
        #expect(server.accepted == 1)
        await client.shutdown()
        await server.stop()
    }

    // MARK: Response framings

    /// Interim answers (103 Early Hints, 102 Processing) come before the answer and are not it.
    @Test func interimAnswersAreSkipped() async throws {
        let server = try await ByteServer.start { _ in
            [
                .send(Array("HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\n\r\n".utf8)),
                .pause(.milliseconds(20)),
                .send(Array("HTTP/1.1 102 Processing\r\n\r\n".utf8)),
                .send(answer(201, body: Array("made".utf8))),
            ]
        }
        let client = DeliveryHTTPClient()
        let target = try #require(HTTPRequestTarget(url: server.url + "/interim"))
        for _ in 0..<2 {
            let result = try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
            #expect(result.status == 201)
            #expect(result.body == Array("made".utf8))
            #expect(!result.headers.contains { $0.name.lowercased() == "link" }, "the interim answer's headers are not the answer's")
        }
        #expect(server.accepted == 1, "the connection is kept after interim answers")
        await client.shutdown()
        await server.stop()
    }

    @Test func chunkedResponseInPieces() async throws {
        let server = try await ByteServer.start { _ in
            [
                .send(Array("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nx-a: 1\r\n\r\n5\r\nhel".utf8)),
                .pause(.milliseconds(20)),
                .send(Array("lo\r\n6\r\n world\r\n".utf8)),
                .pause(.milliseconds(20)),
                .send(Array("0\r\n\r\n".utf8)),
            ]
        }
        let client = DeliveryHTTPClient()
        let target = try #require(HTTPRequestTarget(url: server.url + "/chunked"))
        for _ in 0..<3 {
            let result = try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
            #expect(result.status == 200)
            #expect(result.body == Array("hello world".utf8))
            #expect(!result.bodyTruncated)
            #expect(result.headers.values("x-a") == ["1"])
        }
        #expect(server.accepted == 1, "a chunked answer leaves the connection reusable")
        await client.shutdown()
        await server.stop()
    }

    /// No length and no chunks: the body is whatever comes until the receiver closes.
    @Test(arguments: ["HTTP/1.0", "HTTP/1.1"])
    func closeDelimitedResponse(version: String) async throws {
        let server = try await ByteServer.start { request in
            let head = version == "HTTP/1.1" ? "\(version) 200 OK\r\nconnection: close\r\n\r\n" : "\(version) 200 OK\r\n\r\n"
            return [.send(Array(head.utf8)), .send(Array("until ".utf8)), .pause(.milliseconds(20)),
                    .send(Array("the end \(request.connection)".utf8)), .close]
        }
        let client = DeliveryHTTPClient()
        let target = try #require(HTTPRequestTarget(url: server.url + "/legacy"))
        for expected in 1...2 {
            let result = try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
            #expect(result.status == 200)
            #expect(result.body == Array("until the end \(expected)".utf8))
            #expect(!result.bodyTruncated)
        }
        #expect(server.accepted == 2)
        await client.shutdown()
        await server.stop()
    }

    @Test func noContentHasNoBodyAndKeepsTheConnection() async throws {
        let server = try await ByteServer.start { _ in [.send(Array("HTTP/1.1 204 No Content\r\nx-b: 2\r\n\r\n".utf8))] }
        let client = DeliveryHTTPClient()
        let target = try #require(HTTPRequestTarget(url: server.url + "/nothing"))
        for _ in 0..<3 {
            let result = try await client.execute(target, method: .POST, headers: [], body: [1], deadline: .now() + Self.generous)
            #expect(result.status == 204)
            #expect(result.body.isEmpty)
            #expect(result.headers.values("x-b") == ["2"])
        }
        #expect(server.accepted == 1)
        await client.shutdown()
        await server.stop()
    }

    @Test(arguments: [false, true])
    func bodyOfExactlyTheLimitIsKeptWhole(chunked: Bool) async throws {
        let body = pattern(Attempt.bodyExcerptLimit)
        #expect(body.count == 65536)
        let server = try await ByteServer.start { _ in
            chunked ? [.send(chunkedAnswer(body, chunkSize: 10_000))] : [.send(answer(200, body: body))]
        }
        let client = DeliveryHTTPClient()
        let target = try #require(HTTPRequestTarget(url: server.url + "/big"))
        for _ in 0..<2 {
            let result = try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
            #expect(result.body.count == 65536)
            #expect(result.body == body)
            #expect(!result.bodyTruncated)
        }
        #expect(server.accepted == 1, "an answer read to its end leaves the connection reusable")
        await client.shutdown()
        await server.stop()
    }

    @Test(arguments: [false, true])
    func longerBodyIsTruncatedAndItsConnectionClosed(chunked: Bool) async throws {
        let long = pattern(100 * 1024)
        let server = try await ByteServer.start { request in
            if request.connection == 1 {
                return chunked ? [.send(chunkedAnswer(long, chunkSize: 7_000))] : [.send(answer(200, body: long))]
            }
            return [.send(answer(201, body: Array("next".utf8)))]
        }
        let client = DeliveryHTTPClient()
        let target = try #require(HTTPRequestTarget(url: server.url + "/huge"))
        let result = try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
        #expect(result.status == 200)
        #expect(result.body.count == 65536)
        #expect(result.body == Array(long.prefix(65536)))
        #expect(result.bodyTruncated)
        #expect(await eventually { server.closed == 1 }, "the rest is not read: the client closes the connection")

        let next = try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
        #expect(next.status == 201)
        #expect(next.body == Array("next".utf8))
        #expect(!next.bodyTruncated)
        #expect(server.accepted == 2)
        await client.shutdown()
        await server.stop()
    }

    /// A client that reads whole answers (the benchmark's, of `POST /v1/events` with a thousand
    /// events) sets its own limit; the cut then falls there, above or below the default.
    @Test(arguments: [1_000, 200 * 1024])
    func configuredBodyLimitIsWhereTheCutFalls(limit: Int) async throws {
        let long = pattern(150 * 1024)
        let server = try await ByteServer.start { _ in [.send(chunkedAnswer(long, chunkSize: 7_000))] }
        let client = DeliveryHTTPClient(configuration: .init(responseBodyLimit: limit))
        let target = try #require(HTTPRequestTarget(url: server.url + "/events"))
        let result = try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
        #expect(result.status == 200)
        #expect(result.body == Array(long.prefix(limit)))
        #expect(result.bodyTruncated == (limit < long.count))
        await client.shutdown()
        await server.stop()
    }

    // MARK: Failures

    @Test func receiverThatNeverAnswersTimesOutAndItsConnectionIsNotReused() async throws {
        // The first request's answer comes, but only after its deadline: it must not be taken
        // for the answer to the next request.
        let server = try await ByteServer.start { request in
            if request.connection == 1 { return [.pause(.milliseconds(1500)), .send(answer(200, body: Array("late".utf8)))] }
            return [.send(answer(200, body: Array("fresh".utf8)))]
        }
        let client = DeliveryHTTPClient()
        let target = try #require(HTTPRequestTarget(url: server.url + "/slow"))
        let error = await #expect(throws: DeliveryHTTPError.self) {
            try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + .milliseconds(300))
        }
        #expect(error == .timeout)
        #expect(await eventually { server.closed == 1 }, "the client closes a connection whose exchange timed out")
        let next = try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
        #expect(next.body == Array("fresh".utf8))
        #expect(server.accepted == 2)
        await client.shutdown()
        await server.stop()
    }

    /// An engine past its shutdown grace period cancels its attempts: they end at once, not at
    /// their deadline, and a late answer cannot be taken for another request's.
    @Test func cancellingTheWaitingTaskEndsTheExchangeAndItsConnection() async throws {
        let server = try await ByteServer.start { request in
            if request.connection == 1 { return [.pause(.seconds(30)), .send(answer(200, body: Array("late".utf8)))] }
            return [.send(answer(200, body: Array("fresh".utf8)))]
        }
        let client = DeliveryHTTPClient()
        let target = try #require(HTTPRequestTarget(url: server.url + "/slow"))
        let waiting = Task {
            try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + .seconds(60))
        }
        #expect(await eventually { server.requests.count == 1 })
        waiting.cancel()
        let error = await #expect(throws: DeliveryHTTPError.self) { try await waiting.value }
        #expect(error == .cancelled)
        #expect(await eventually { server.closed == 1 }, "the cancelled exchange's connection is closed")
        let next = try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
        #expect(next.body == Array("fresh".utf8))
        await client.shutdown()
        await server.stop()
    }

    @Test func timeoutWhileTheBodyTrickles() async throws {
        let server = try await ByteServer.start { _ in
            [.send(Array("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nabc".utf8)), .pause(.seconds(5)), .close]
        }
        let client = DeliveryHTTPClient()
        let target = try #require(HTTPRequestTarget(url: server.url + "/trickle"))
        let error = await #expect(throws: DeliveryHTTPError.self) {
            try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + .milliseconds(300))
        }
        #expect(error == .timeout)
        await client.shutdown()
        await server.stop()
    }

    @Test func refusedConnection() async throws {
        // Bound but not listening: every connection is refused, and no other test can take the port.
        let port = try ReservedPort()
        let client = DeliveryHTTPClient()
        let target = try #require(HTTPRequestTarget(url: port.url + "/nobody"))
        let error = await #expect(throws: DeliveryHTTPError.self) {
            try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
        }
        #expect(error == .connectionRefused)
        await client.shutdown()
    }

    @Test func garbageInsteadOfHTTPIsAnInvalidResponse() async throws {
        // The server keeps the connection open: the error must come from the bytes, not from a close.
        let server = try await ByteServer.start { _ in [.send(Array("SSH-2.0-OpenSSH_9.6\r\nProtocol mismatch.\r\n".utf8))] }
        let client = DeliveryHTTPClient()
        let target = try #require(HTTPRequestTarget(url: server.url + "/"))
        let error = await #expect(throws: DeliveryHTTPError.self) {
            try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
        }
        #expect(error?.kind == "invalidResponse", "\(String(describing: error))")
        #expect(await eventually { server.closed == 1 }, "the client closes the connection")
        await client.shutdown()
        await server.stop()
    }

    /// Hundreds of damaged answers (every truncation of five well-formed ones, and seeded random
    /// edits of them), each followed by a close: every exchange ends at once in an answer or a
    /// `DeliveryHTTPError`, never in a crash or a wait for the deadline, and the client works
    /// as before afterwards. A receiver may send anything.
    @Test func damagedAnswersEndInAnAnswerOrAnError() async throws {
        let samples = [
            "HTTP/1.1 200 OK\r\ncontent-length: 5\r\nx-a: b\r\n\r\nhello",
            "HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n3;x=y\r\nabc\r\n0\r\nx-t: t\r\n\r\n",
            "HTTP/1.1 204 No Content\r\nx-empty:\r\n\r\n",
            "HTTP/1.0 500 Internal Server Error\r\ncontent-type: text/plain\r\n\r\nuntil the close",
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 410 Gone\r\ncontent-length: 0\r\n\r\n",
        ].map { Array($0.utf8) }
        let answers = FuzzInput.truncations(of: samples)
            + FuzzInput.edits(of: samples, count: 300, seed: 0x6874_7470, alphabet: Array("HTP/1.0 2345:\r\n;-chunkedtrasfol".utf8))
        let server = try await ByteServer.start { request in
            [.send(answers[(Int(request.value("x-seq") ?? "") ?? 0) % answers.count]), .close]
        }
        let client = DeliveryHTTPClient()
        let target = try #require(HTTPRequestTarget(url: server.url + "/"))
        var outcomes: [String: Int] = [:]
        for seq in answers.indices {
            do {
                let result = try await client.execute(
                    target, method: .POST, headers: [HeaderField(name: "x-seq", value: "\(seq)")], body: [], deadline: .now() + Self.generous
                )
                outcomes["answer \(result.status / 100)xx", default: 0] += 1
            } catch let error as DeliveryHTTPError {
                outcomes[error.kind, default: 0] += 1
                #expect(error != .timeout, "answer \(seq) waited for the deadline: \(String(decoding: answers[seq], as: UTF8.self).debugDescription)")
            } catch {
                Issue.record("answer \(seq) ended in \(error), not a DeliveryHTTPError")
            }
        }
        #expect(outcomes.keys.filter { $0.hasPrefix("answer") }.count >= 3 && (outcomes["invalidResponse"] ?? 0) > 50, "\(outcomes)")
        await server.stop()

        let healthy = try await ByteServer.start { _ in [.send(answer(200, body: Array("fine".utf8)))] }
        let after = try await client.execute(
            try #require(HTTPRequestTarget(url: healthy.url + "/")), method: .POST, headers: [], body: [], deadline: .now() + Self.generous
        )
        #expect(after.status == 200 && after.body == Array("fine".utf8))
        await client.shutdown()
        await healthy.stop()
    }

    @Test func resetOnAFreshConnection() async throws {
        let server = try await ByteServer.start { _ in [.reset] }
        let client = DeliveryHTTPClient()
        let target = try #require(HTTPRequestTarget(url: server.url + "/"))
        for _ in 0..<3 {
            let error = await #expect(throws: DeliveryHTTPError.self) {
                try await client.execute(target, method: .POST, headers: [], body: Array("x".utf8), deadline: .now() + Self.generous)
            }
            #expect(error == .reset)
        }
        #expect(server.accepted == 3, "a fresh connection is not retried")
        await client.shutdown()
        await server.stop()
    }

    @Test func closeInTheMiddleOfTheBodyIsAnInvalidResponse() async throws {
        let server = try await ByteServer.start { _ in
            [.send(Array("HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n0123456789".utf8)), .pause(.milliseconds(20)), .close]
        }
        let client = DeliveryHTTPClient()
        let target = try #require(HTTPRequestTarget(url: server.url + "/"))
        let error = await #expect(throws: DeliveryHTTPError.self) {
            try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
        }
        #expect(error?.kind == "invalidResponse", "\(String(describing: error))")
        #expect(server.accepted == 1, "a connection that failed part way through an answer is not retried")
        await client.shutdown()
        await server.stop()
    }

    /// A receiver that closes or resets each connection as soon as it accepts it, before any
    /// request: the connection can be gone before the client has even handed it the request.
    @Test(arguments: [ServerStep.close, .reset])
    func receiverThatDropsEveryConnectionAtOnce(drop: ServerStep) async throws {
        let server = try await ByteServer.start(onAccept: [drop]) { _ in [.send(answer(200, body: []))] }
        let client = DeliveryHTTPClient()
        let target = try #require(HTTPRequestTarget(url: server.url + "/"))
        for _ in 0..<10 {
            let error = await #expect(throws: DeliveryHTTPError.self) {
                try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
            }
            // A reset can come before the client has seen its connect finish: then it is a connect failure.
            #expect(["closedBeforeResponse", "reset", "connectFailed"].contains(error?.kind), "\(String(describing: error))")
        }
        #expect(server.requests.isEmpty)
        await client.shutdown()
        await server.stop()
    }

    @Test func closeAfterTheHeadIsAnInvalidResponse() async throws {
        let server = try await ByteServer.start { _ in [.send(Array("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n".utf8)), .close] }
        let client = DeliveryHTTPClient()
        let target = try #require(HTTPRequestTarget(url: server.url + "/"))
        let error = await #expect(throws: DeliveryHTTPError.self) {
            try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
        }
        #expect(error?.kind == "invalidResponse", "\(String(describing: error))")
        await client.shutdown()
        await server.stop()
    }

    // MARK: Header injection

    static let invalidHeaders: [HeaderField] = [
        HeaderField(name: "X-Note", value: "fine\r\nX-Injected: 1"),
        HeaderField(name: "X-Note", value: "bare\nline feed"),
        HeaderField(name: "X-Note", value: "bare\rreturn"),
        HeaderField(name: "X-Note", value: "nul\u{0}byte"),
        HeaderField(name: "X Note", value: "space in the name"),
        HeaderField(name: "X-Note:", value: "colon in the name"),
        HeaderField(name: "X-Note\r\nX-Injected", value: "1"),
        HeaderField(name: "", value: "no name"),
    ]

    @Test(arguments: invalidHeaders)
    func headersThatAreNotValidHTTPAreRefusedBeforeAnythingIsSent(header: HeaderField) async throws {
        let server = try await ByteServer.start { _ in [.send(answer(200, body: []))] }
        let client = DeliveryHTTPClient()
        let target = try #require(HTTPRequestTarget(url: server.url + "/"))
        let error = await #expect(throws: DeliveryHTTPError.self) {
            try await client.execute(
                target, method: .POST, headers: [HeaderField(name: "X-Fine", value: "1"), header], body: [],
                deadline: .now() + Self.generous
            )
        }
        #expect(error?.kind == "invalidRequest", "\(String(describing: error))")
        #expect(server.accepted == 0, "no connection for a refused request")

        // On a pooled connection too nothing goes out, and the connection stays usable.
        _ = try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
        let again = await #expect(throws: DeliveryHTTPError.self) {
            try await client.execute(target, method: .POST, headers: [header], body: [], deadline: .now() + Self.generous)
        }
        #expect(again?.kind == "invalidRequest")
        _ = try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
        #expect(server.accepted == 1)
        #expect(server.requests.count == 2)
        #expect(server.requests.allSatisfy { $0.values("x-injected").isEmpty })
        await client.shutdown()
        await server.stop()
    }

    // MARK: TLS

    @Test func httpsWithATrustedCertificateAuthority() async throws {
        let pki = try await TestPKI.make()
        defer { pki.remove() }
        let server = try await TLSServer.start(pki: pki)
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(pki.caCertificate))
        let client = DeliveryHTTPClient(configuration: .init(tls: tls))
        for url in ["https://localhost:\(server.port)/", "https://127.0.0.1:\(server.port)/ip"] {
            let target = try #require(HTTPRequestTarget(url: url))
            for _ in 0..<2 {
                let result = try await client.execute(
                    target, method: .POST, headers: [HeaderField(name: "x-a", value: "1")], body: Array("hello".utf8),
                    deadline: .now() + Self.generous
                )
                #expect(result.status == 200, "\(url)")
                #expect(result.body == Array("secure".utf8), "\(url)")
            }
        }
        #expect(server.accepted == 2, "one kept-alive TLS connection per origin")
        let seen = server.requests
        #expect(seen.map(\.host) == Array(repeating: "localhost:\(server.port)", count: 2) + Array(repeating: "127.0.0.1:\(server.port)", count: 2))
        #expect(seen.map(\.body) == Array(repeating: "hello", count: 4))
        await client.shutdown()
        await server.stop()
    }

    @Test func httpsWithAnUntrustedCertificateFailsWithTLS() async throws {
        let pki = try await TestPKI.make()
        defer { pki.remove() }
        let server = try await TLSServer.start(pki: pki)
        let client = DeliveryHTTPClient()
        let target = try #require(HTTPRequestTarget(url: "https://localhost:\(server.port)/"))
        // Several times: the handshake can fail before or after the request is handed to the connection.
        for _ in 0..<5 {
            let error = await #expect(throws: DeliveryHTTPError.self) {
                try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
            }
            #expect(error?.kind == "tls", "\(String(describing: error))")
        }
        #expect(server.requests.isEmpty)
        await client.shutdown()
        await server.stop()
    }

    /// A trusted CA, but a certificate that names neither the host nor the address asked for.
    /// (NIOSSL takes a certificate naming the connected address for any host name, so the
    /// second one names no address.)
    @Test(arguments: [("DNS:localhost", "127.0.0.1", "localhost"), ("DNS:other.example", "localhost", "")])
    func httpsToANameTheCertificateDoesNotNameFailsWithTLS(subjectAltName: String, wrong: String, right: String) async throws {
        let pki = try await TestPKI.make(subjectAltName: subjectAltName)
        defer { pki.remove() }
        let server = try await TLSServer.start(pki: pki)
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(pki.caCertificate))
        let client = DeliveryHTTPClient(configuration: .init(tls: tls))
        if !right.isEmpty {
            let good = try #require(HTTPRequestTarget(url: "https://\(right):\(server.port)/"))
            let result = try await client.execute(good, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
            #expect(result.body == Array("secure".utf8), "the certificate is good for what it names")
        }
        let target = try #require(HTTPRequestTarget(url: "https://\(wrong):\(server.port)/"))
        let error = await #expect(throws: DeliveryHTTPError.self) {
            try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
        }
        #expect(error?.kind == "tls", "\(String(describing: error))")
        #expect(server.requests.count == (right.isEmpty ? 0 : 1))
        await client.shutdown()
        await server.stop()
    }

    // MARK: Shutdown

    @Test func afterShutdownRequestsAreRefusedAndConnectionsClosed() async throws {
        let server = try await ByteServer.start { _ in [.send(answer(200, body: []))] }
        let client = DeliveryHTTPClient()
        let target = try #require(HTTPRequestTarget(url: server.url + "/"))
        _ = try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
        await client.shutdown()
        #expect(await eventually { server.closed == 1 }, "the pooled connection is closed")
        let error = await #expect(throws: DeliveryHTTPError.self) {
            try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
        }
        #expect(error == .shutDown)
        let other = try #require(HTTPRequestTarget(url: "http://127.0.0.1:\(server.port)/other-path"))
        await #expect(throws: DeliveryHTTPError.shutDown) {
            try await client.execute(other, method: .GET, headers: [], body: [], deadline: .now() + Self.generous)
        }
        #expect(server.accepted == 1)
        await server.stop()
    }

    @Test(arguments: [false, true])
    func shutdownEndsARequestInFlight(pooled: Bool) async throws {
        let server = try await ByteServer.start { request in
            request.indexOnConnection == 0 && pooled ? [.send(answer(200, body: []))] : []  // then never answers
        }
        let client = DeliveryHTTPClient()
        let target = try #require(HTTPRequestTarget(url: server.url + "/"))
        if pooled {
            _ = try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
        }
        let request = Task {
            try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + .seconds(40))
        }
        #expect(await eventually { server.requests.count == (pooled ? 2 : 1) }, "the request reached the server")
        await client.shutdown()
        let result = await request.result
        let error = #expect(throws: DeliveryHTTPError.self) { try result.get() }
        // On a pooled connection the close looks like the receiver's and the request is tried
        // once more, which the shut-down client refuses; on a new one it is not retried.
        #expect(error == (pooled ? .shutDown : .closedBeforeResponse), "\(String(describing: error))")
        #expect(server.accepted == 1, "no new connection after shutdown")
        await server.stop()
    }

    // MARK: Idle connections

    @Test func idleConnectionsAreClosedAfterTheIdleTimeout() async throws {
        let server = try await ByteServer.start { _ in [.send(answer(200, body: Array("ok".utf8)))] }
        let client = DeliveryHTTPClient(configuration: .init(idleTimeout: .milliseconds(200)))
        let target = try #require(HTTPRequestTarget(url: server.url + "/"))
        _ = try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
        #expect(server.accepted == 1)
        try await Task.sleep(for: .seconds(1))
        #expect(await eventually { server.closed == 1 }, "the client closed the idle connection")
        let result = try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + Self.generous)
        #expect(result.body == Array("ok".utf8))
        #expect(server.accepted == 2)
        await client.shutdown()
        await server.stop()
    }

    @Test func idleConnectionsBeyondTheLimitAreClosed() async throws {
        let barrier = Barrier(size: 4)
        let server = try await ByteServer.start { _ in
            await barrier.arrive()
            return [.send(answer(200, body: []))]
        }
        let client = DeliveryHTTPClient(configuration: .init(maxIdlePerOrigin: 2))
        let target = try #require(HTTPRequestTarget(url: server.url + "/"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    _ = try await client.execute(target, method: .POST, headers: [], body: [], deadline: .now() + .seconds(20))
                }
            }
            try await group.waitForAll()
        }
        #expect(server.accepted == 4)
        #expect(await eventually { server.closed == 2 }, "two of the four are kept, the others closed")
        try await Task.sleep(for: .milliseconds(200))
        #expect(server.closed == 2)
        await client.shutdown()
        await server.stop()
    }

    // MARK: HTTPRequestTarget

    @Test func requestTargetFromURL() throws {
        let plain = try #require(HTTPRequestTarget(url: "http://example.com/hook"))
        #expect(plain.origin.secure == false)
        #expect(plain.origin.host == "example.com")
        #expect(plain.origin.port == 80)
        #expect(plain.hostHeader == "example.com")
        #expect(plain.path == "/hook")

        let secure = try #require(HTTPRequestTarget(url: "https://example.com"))
        #expect(secure.origin.secure)
        #expect(secure.origin.port == 443)
        #expect(secure.hostHeader == "example.com")
        #expect(secure.path == "/", "an empty path is /")

        let explicit = try #require(HTTPRequestTarget(url: "http://example.com:8080/a"))
        #expect(explicit.origin.port == 8080)
        #expect(explicit.hostHeader == "example.com:8080")

        let explicitDefault = try #require(HTTPRequestTarget(url: "https://example.com:443/a"))
        #expect(explicitDefault.hostHeader == "example.com")
        #expect(explicitDefault.origin == secure.origin)

        let crossed = try #require(HTTPRequestTarget(url: "https://example.com:80/"))
        #expect(crossed.hostHeader == "example.com:80", "80 is not https's default")

        let v6 = try #require(HTTPRequestTarget(url: "http://[::1]:8080/a?b=c"))
        #expect(v6.origin.host == "::1")
        #expect(v6.origin.port == 8080)
        #expect(v6.hostHeader == "[::1]:8080")
        #expect(v6.path == "/a?b=c")

        let v6Default = try #require(HTTPRequestTarget(url: "https://[2001:db8::1]/x"))
        #expect(v6Default.origin.host == "2001:db8::1")
        #expect(v6Default.hostHeader == "[2001:db8::1]")

        let queryOnly = try #require(HTTPRequestTarget(url: "http://example.com?x=1"))
        #expect(queryOnly.path == "/?x=1")

        let encoded = try #require(HTTPRequestTarget(url: "http://example.com/a%20b/c%2Fd?q=%26x&r=a+b"))
        #expect(encoded.path == "/a%20b/c%2Fd?q=%26x&r=a+b", "percent-encoding is kept as written")

        let withFragment = try #require(HTTPRequestTarget(url: "http://example.com/p#frag"))
        #expect(withFragment.path == "/p", "the fragment is not sent")

        let withUser = try #require(HTTPRequestTarget(url: "http://user:secret@example.com:81/p"))
        #expect(withUser.hostHeader == "example.com:81")
        #expect(withUser.origin.host == "example.com")

        let upper = try #require(HTTPRequestTarget(url: "HTTPS://example.com/"))
        #expect(upper.origin.secure)

        #expect(HTTPRequestTarget(url: "http://example.com/a")?.origin == HTTPRequestTarget(url: "http://example.com:80/b")?.origin)
        #expect(HTTPRequestTarget(url: "http://example.com/")?.origin != HTTPRequestTarget(url: "https://example.com/")?.origin)
    }

    @Test(arguments: [
        "ftp://example.com/file", "ws://example.com/", "file:///etc/passwd", "mailto:someone@example.com", "example.com/hook",
        "/relative/path", "http:///no-host", "http://", "https://:443/", "", "http://example.com:0/", "not a url at all",
    ])
    func requestTargetRefusesWhatIsNotAnAbsoluteHTTPURL(url: String) {
        #expect(HTTPRequestTarget(url: url) == nil)
    }
}

// MARK: - Helpers

extension DeliveryHTTPError {
    /// The case, without its associated text.
    var kind: String {
        switch self {
        case .connectTimeout: "connectTimeout"
        case .connectionRefused: "connectionRefused"
        case .connectFailed: "connectFailed"
        case .timeout: "timeout"
        case .closedBeforeResponse: "closedBeforeResponse"
        case .reset: "reset"
        case .invalidResponse: "invalidResponse"
        case .tls: "tls"
        case .invalidRequest: "invalidRequest"
        case .shutDown: "shutDown"
        case .cancelled: "cancelled"
        case .other: "other"
        }
    }
}

extension [HeaderField] {
    func values(_ name: String) -> [String] {
        filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }
}

/// An HTTP/1.1 response with a content-length.
private func answer(_ status: Int, headers: [String] = [], body: [UInt8]) -> [UInt8] {
    var head = "HTTP/1.1 \(status) Whatever\r\n"
    for header in headers { head += header + "\r\n" }
    head += "content-length: \(body.count)\r\n\r\n"
    return Array(head.utf8) + body
}

private func chunkedAnswer(_ body: [UInt8], chunkSize: Int) -> [UInt8] {
    var bytes = Array("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".utf8)
    var start = 0
    while start < body.count {
        let chunk = body[start..<min(start + chunkSize, body.count)]
        bytes += Array("\(String(chunk.count, radix: 16))\r\n".utf8) + chunk + Array("\r\n".utf8)
        start += chunk.count
    }
    return bytes + Array("0\r\n\r\n".utf8)
}

/// Bytes whose every offset is recognisable, so that a shifted or reordered body shows.
private func pattern(_ count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 % 251) }
}

/// Every byte value, CR and LF among them, and a different length per request.
private func requestBody(_ seq: Int) -> [UInt8] {
    Array("payload \(seq) ".utf8) + (0...255).map { UInt8($0) } + Array(repeating: UInt8(seq), count: seq * 100)
}

private func responseBody(_ seq: Int) -> [UInt8] {
    Array("response \(seq)".utf8) + [0, 255, 13, 10, 13, 10] + Array(repeating: 0x41, count: seq)
}

/// Polls `condition` for up to `limit`; never a tight timing.
private func eventually(within limit: Duration = .seconds(30), _ condition: () -> Bool) async -> Bool {
    let end = ContinuousClock.now + limit
    while ContinuousClock.now < end {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

/// Lets callers through in groups of `size`: each waits until its group is complete.
private actor Barrier {
    let size: Int
    private var arrived = 0
    private var waiting: [(group: Int, continuation: CheckedContinuation<Void, Never>)] = []

    init(size: Int) {
        self.size = size
    }

    func arrive() async {
        arrived += 1
        let group = (arrived - 1) / size
        if arrived == (group + 1) * size {
            for waiter in waiting where waiter.group == group { waiter.continuation.resume() }
            waiting.removeAll { $0.group == group }
            return
        }
        await withCheckedContinuation { waiting.append((group, $0)) }
    }
}

// MARK: - A server whose bytes the test writes

/// A request as the server read it off the wire.
struct ReceivedRequest: Sendable {
    /// Which accepted connection it came on, from 1.
    var connection: Int
    /// Its place among that connection's requests, from 0.
    var indexOnConnection: Int
    var method: String
    var target: String
    var version: String
    var headers: [HeaderField]
    var body: [UInt8]

    func values(_ name: String) -> [String] { headers.values(name) }
    func value(_ name: String) -> String? { values(name).first }
}

/// What the server does in answer to one request, step by step.
enum ServerStep: Sendable, CustomTestStringConvertible {
    case send([UInt8])
    case pause(TimeAmount)
    /// A clean close (FIN).
    case close
    /// A close with SO_LINGER 0: the peer gets a TCP reset.
    case reset

    var testDescription: String {
        switch self {
        case .send(let bytes): "send \(bytes.count) bytes"
        case .pause(let time): "pause \(time)"
        case .close: "close"
        case .reset: "reset"
        }
    }
}

/// A TCP server on 127.0.0.1 that reads HTTP/1.1 requests (with content-length bodies) and
/// answers each with the steps its responder gives, one request at a time per connection. An
/// empty list of steps means no answer at all; requests after a close or reset are not read.
final class ByteServer: Sendable {
    typealias Responder = @Sendable (ReceivedRequest) async -> [ServerStep]

    final class Log: Sendable {
        let accepted = Atomic(0)
        let closed = Atomic(0)
        let requests = Mutex<[ReceivedRequest]>([])
        let children = Mutex<[any Channel]>([])
    }

    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }
    private let channel: any Channel
    private let log: Log

    /// Connections accepted so far.
    var accepted: Int { log.accepted.load(ordering: .acquiring) }
    /// Connections that have closed, from either side.
    var closed: Int { log.closed.load(ordering: .acquiring) }
    /// Every request read, in the order read.
    var requests: [ReceivedRequest] { log.requests.withLock { $0 } }

    private init(channel: any Channel, log: Log) {
        self.channel = channel
        self.log = log
        port = channel.localAddress?.port ?? 0
    }

    /// `onAccept`: what the server does on each new connection before reading anything.
    static func start(onAccept: [ServerStep] = [], _ respond: @escaping Responder) async throws -> ByteServer {
        let log = Log()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let number = log.accepted.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue
                log.children.withLock { $0.append(channel) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ConnectionHandler(number: number, log: log, onAccept: onAccept, respond: respond))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return ByteServer(channel: channel, log: log)
    }

    func stop() async {
        try? await channel.close()
        for child in log.children.withLock({ $0 }) { try? await child.close() }
    }

    private final class ConnectionHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let number: Int
        let log: Log
        let onAccept: [ServerStep]
        let respond: Responder
        private var received = ByteBuffer()
        private var served = 0
        private var busy = false
        private var done = false

        init(number: Int, log: Log, onAccept: [ServerStep], respond: @escaping Responder) {
            self.number = number
            self.log = log
            self.onAccept = onAccept
            self.respond = respond
        }

        func channelActive(context: ChannelHandlerContext) {
            context.fireChannelActive()
            if !onAccept.isEmpty {
                busy = true
                run(onAccept[...], context)
            }
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            received.writeBuffer(&buffer)
            serveNext(context)
        }

        func channelInactive(context: ChannelHandlerContext) {
            done = true
            log.closed.wrappingAdd(1, ordering: .acquiringAndReleasing)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }

        private func serveNext(_ context: ChannelHandlerContext) {
            guard !busy, !done, let request = nextRequest() else { return }
            busy = true
            served += 1
            log.requests.withLock { $0.append(request) }
            let respond = respond
            context.eventLoop.makeFutureWithTask { await respond(request) }
                .assumeIsolated()
                .whenSuccess { steps in self.run(steps[...], context) }
        }

        private func run(_ steps: ArraySlice<ServerStep>, _ context: ChannelHandlerContext) {
            guard !done else { return }
            guard let step = steps.first else {
                busy = false
                serveNext(context)
                return
            }
            switch step {
            case .send(let bytes):
                context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
                run(steps.dropFirst(), context)
            case .pause(let time):
                context.eventLoop.assumeIsolated().scheduleTask(in: time) { self.run(steps.dropFirst(), context) }
            case .close:
                done = true
                context.close(promise: nil)
            case .reset:
                done = true
                let channel = context.channel
                if let provider = channel as? any SocketOptionProvider {
                    provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
                } else {
                    channel.close(promise: nil)
                }
            }
        }

        /// The next complete request in what was received, if there is one.
        private func nextRequest() -> ReceivedRequest? {
            let bytes = Array(received.readableBytesView)
            let separator: [UInt8] = [13, 10, 13, 10]
            guard let end = (0..<max(0, bytes.count - 3)).first(where: { bytes[$0..<$0 + 4].elementsEqual(separator) }) else {
                return nil
            }
            let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
            let requestLine = lines[0].split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            let headers = lines.dropFirst().map { line -> HeaderField in
                let colon = line.firstIndex(of: ":") ?? line.endIndex
                let value = colon < line.endIndex ? line[line.index(after: colon)...] : ""
                return HeaderField(name: String(line[..<colon]), value: value.trimmingCharacters(in: .whitespaces))
            }
            let length = Int(headers.values("content-length").first ?? "0") ?? 0
            let bodyStart = end + 4
            guard bytes.count >= bodyStart + length else { return nil }
            received.moveReaderIndex(forwardBy: bodyStart + length)
            received.discardReadBytes()
            return ReceivedRequest(
                connection: number, indexOnConnection: served, method: requestLine.first ?? "",
                target: requestLine.count > 1 ? requestLine[1] : "", version: requestLine.count > 2 ? requestLine[2] : "",
                headers: headers, body: Array(bytes[bodyStart..<bodyStart + length])
            )
        }
    }
}

// MARK: - TLS

/// A throwaway certificate authority and a certificate it signed for localhost and 127.0.0.1,
/// made with the openssl command.
struct TestPKI: Sendable {
    let directory: String
    var caCertificate: String { directory + "/ca.pem" }
    var serverCertificate: String { directory + "/server.pem" }
    var serverKey: String { directory + "/server.key" }

    static func make(subjectAltName: String = "DNS:localhost,IP:127.0.0.1") async throws -> TestPKI {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("courier-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let pki = TestPKI(directory: directory)
        func openssl(_ arguments: [String]) async throws {
            let output = try await ExternalCommand.run(["openssl"] + arguments)
            guard output.status == 0 else {
                throw OpenSSLFailure(description: "openssl \(arguments.joined(separator: " ")) failed: \(output.text)")
            }
        }
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try await openssl(
            ["req", "-x509"] + ec + [
                "-keyout", directory + "/ca.key", "-out", pki.caCertificate, "-days", "2", "-subj", "/CN=Courier Test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ]
        )
        try await openssl(["req"] + ec + ["-keyout", pki.serverKey, "-out", directory + "/server.csr", "-subj", "/CN=localhost"])
        let extensions = directory + "/server.ext"
        try """
        subjectAltName=\(subjectAltName)
        basicConstraints=critical,CA:FALSE
        keyUsage=critical,digitalSignature
        extendedKeyUsage=serverAuth

        """.write(toFile: extensions, atomically: true, encoding: .utf8)
        try await openssl([
            "x509", "-req", "-in", directory + "/server.csr", "-CA", pki.caCertificate, "-CAkey", directory + "/ca.key",
            "-CAcreateserial", "-out", pki.serverCertificate, "-days", "2", "-extfile", extensions,
        ])
        return pki
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

struct OpenSSLFailure: Error, CustomStringConvertible {
    var description: String
}

/// An https server through NIOSSL and NIO's HTTP/1.1 server handlers that answers every
/// request with 200 "secure".
final class TLSServer: Sendable {
    struct Seen: Sendable {
        var host: String
        var body: String
    }

    final class Log: Sendable {
        let accepted = Atomic(0)
        let requests = Mutex<[Seen]>([])
    }

    let port: Int
    private let channel: any Channel
    private let log: Log
    var accepted: Int { log.accepted.load(ordering: .acquiring) }
    var requests: [Seen] { log.requests.withLock { $0 } }

    private init(channel: any Channel, log: Log) {
        self.channel = channel
        self.log = log
        port = channel.localAddress?.port ?? 0
    }

    static func start(pki: TestPKI) async throws -> TLSServer {
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(pki.serverCertificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: pki.serverKey, format: .pem))
        )
        let context = try NIOSSLContext(configuration: configuration)
        let log = Log()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                log.accepted.wrappingAdd(1, ordering: .acquiringAndReleasing)
                return channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(NIOSSLServerHandler(context: context))
                    try pipeline.configureHTTPServerPipeline()
                    try pipeline.addHandler(Answer(log: log))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return TLSServer(channel: channel, log: log)
    }

    func stop() async {
        try? await channel.close()
    }

    private final class Answer: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let log: Log
        private var host = ""
        private var body: [UInt8] = []

        init(log: Log) {
            self.log = log
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                host = head.headers["host"].first ?? ""
                body = []
            case .body(let buffer):
                body += buffer.readableBytesView
            case .end:
                log.requests.withLock { $0.append(Seen(host: host, body: String(decoding: body, as: UTF8.self))) }
                let head = HTTPResponseHead(version: .http1_1, status: .ok, headers: ["content-length": "6"])
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: "secure")))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
