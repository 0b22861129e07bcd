import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// The HTTP/1.1 client deliveries go out through: a pool of kept-alive connections per origin,
/// and for each request one write and one promise on the connection's event loop.
///
/// It does only what delivery needs, which is why it is cheap: no redirects (a 3xx is an answer
/// like any other), no decompression, no streaming of request bodies, and at most the first
/// ``Attempt/bodyExcerptLimit`` bytes of a response by default (a connection whose answer is longer is
/// closed rather than read to the end). The general-purpose client it replaced spent more CPU
/// per request on its own machinery than Courier spent on everything else; see BENCHMARKS.md.
///
/// A request that finds its kept-alive connection closed by the receiver before any answer
/// (the receiver's idle timeout won the race) is sent once more on a new connection, as
/// browsers and Go's client do; deliveries are at least once and carry their id, so a
/// receiver that did see the first copy can tell.
public final class DeliveryHTTPClient: Sendable {
    public struct Configuration: Sendable {
        /// How long to wait for a TCP connection.
        public var connectTimeout: TimeAmount
        /// How long a connection may wait unused in the pool.
        public var idleTimeout: TimeAmount
        /// How many unused connections the pool keeps per origin; more are closed when freed.
        public var maxIdlePerOrigin: Int
        /// How many connections may be open to one origin at once. Many endpoints can share a
        /// receiver's host; past this, a request waits (within its deadline) for a connection to
        /// come free rather than open one more socket.
        public var maxConnectionsPerOrigin: Int
        /// For https: by default the system's trust roots and full verification.
        public var tls: TLSConfiguration
        /// How much of an answer's body is kept; past it the answer is cut short and its
        /// connection closed. Deliveries keep what an attempt's record holds; a client that
        /// reads whole answers (the benchmark's, of `POST /v1/events`) sets more.
        public var responseBodyLimit: Int

        public init(
            connectTimeout: TimeAmount = .seconds(5), idleTimeout: TimeAmount = .seconds(60), maxIdlePerOrigin: Int = 256,
            maxConnectionsPerOrigin: Int = 512, tls: TLSConfiguration = .makeClientConfiguration(),
            responseBodyLimit: Int = Attempt.bodyExcerptLimit
        ) {
            self.connectTimeout = connectTimeout
            self.idleTimeout = idleTimeout
            self.maxIdlePerOrigin = maxIdlePerOrigin
            self.maxConnectionsPerOrigin = maxConnectionsPerOrigin
            self.tls = tls
            self.responseBodyLimit = responseBodyLimit
        }
    }

    private struct Idle {
        var connection: HTTPConnection
        var since: NIODeadline
    }

    private struct State {
        var idle: [HTTPRequestTarget.Origin: [Idle]] = [:]
        /// Every open connection, in use or idle, so that shutting down can close them all.
        var open: [ObjectIdentifier: HTTPConnection] = [:]
        /// Connections open or being opened, per origin, for ``Configuration/maxConnectionsPerOrigin``.
        var perOrigin: [HTTPRequestTarget.Origin: Int] = [:]
        var shutDown = false
        var sweeper: RepeatedTask?
    }

    public let configuration: Configuration
    private let group: any EventLoopGroup
    private let tlsContext: Result<NIOSSLContext, DeliveryHTTPError>
    /// Held only for a few dictionary operations and never across an await: a request takes
    /// and gives back its connection under it, on whatever thread it runs, which an actor
    /// would turn into two more hops per request.
    private let state = Mutex(State())

    public init(configuration: Configuration = .init(), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.group = group
        do {
            tlsContext = .success(try NIOSSLContext(configuration: configuration.tls))
        } catch {
            tlsContext = .failure(.tls("cannot set up TLS: \(error)"))
        }
        let sweep = TimeAmount.nanoseconds(max(configuration.idleTimeout.nanoseconds / 2, 100_000_000))
        let sweeper = group.next().scheduleRepeatedTask(initialDelay: sweep, delay: sweep) { [weak self] _ in
            self?.closeExpired()
        }
        state.withLock { $0.sweeper = sweeper }
    }

    deinit {
        state.withLock { $0.sweeper?.cancel() }
    }

    /// Sends one request and returns the answer's status, headers and the start of its body.
    ///
    /// - Parameter addresses: when given, a new connection goes to one of these (4 or 16 bytes
    ///   each, tried in order) instead of to the host as it resolves now: the addresses
    ///   ``TargetGuard`` checked.
    /// - Throws: ``DeliveryHTTPError`` when no complete answer came before `deadline`.
    public func execute(
        _ target: HTTPRequestTarget, method: HTTPMethod, headers: [HeaderField], body: [UInt8], deadline: NIODeadline,
        addresses: [[UInt8]]? = nil
    ) async throws -> HTTPExchangeResult {
        let head = try Self.head(target, method: method, headers: headers, bodyLength: body.count)
        let buffer = ByteBuffer(bytes: body)
        var fresh = false
        while true {
            let (connection, reused) = try await connection(to: target.origin, fresh: fresh, addresses: addresses, deadline: deadline)
            do {
                return try await exchange(on: connection, head: head, body: buffer, deadline: deadline)
            } catch let error as DeliveryHTTPError where reused && !fresh && (error == .closedBeforeResponse || error == .reset) {
                // The receiver closed the kept-alive connection as the request went: once more, on a new one.
                fresh = true
            }
        }
    }

    /// A kept-alive connection to `origin` (unless `fresh`), or a new one once the origin has
    /// room for it; at the cap, the request looks again every few milliseconds until its deadline.
    private func connection(
        to origin: HTTPRequestTarget.Origin, fresh: Bool, addresses: [[UInt8]]?, deadline: NIODeadline
    ) async throws -> (connection: HTTPConnection, reused: Bool) {
        while true {
            switch try take(origin, fresh: fresh) {
            case .idle(let connection):
                return (connection, true)
            case .room:
                do {
                    return (try await connect(origin, addresses: addresses, deadline: deadline), false)
                } catch {
                    state.withLock { Self.release(origin, in: &$0) }
                    throw error
                }
            case .full:
                guard NIODeadline.now() < deadline else { throw DeliveryHTTPError.timeout }
                do {
                    try await Task.sleep(for: .milliseconds(5))
                } catch {
                    throw DeliveryHTTPError.cancelled
                }
            }
        }
    }

    /// Closes every connection; requests under way fail, and later ones are refused.
    public func shutdown() async {
        let (connections, sweeper) = state.withLock { state in
            state.shutDown = true
            state.idle = [:]
            defer { state.sweeper = nil }
            return (Array(state.open.values), state.sweeper)
        }
        sweeper?.cancel()
        for connection in connections {
            try? await connection.channel.close()
        }
    }

    private func exchange(
        on connection: HTTPConnection, head: HTTPRequestHead, body: ByteBuffer, deadline: NIODeadline
    ) async throws -> HTTPExchangeResult {
        let result = try await connection.exchange(head: head, body: body, deadline: deadline)
        giveBack(connection)
        return result
    }

    private enum Take {
        case idle(HTTPConnection)
        /// A new connection may be opened; it is counted already.
        case room
        case full
    }

    private func take(_ origin: HTTPRequestTarget.Origin, fresh: Bool) throws -> Take {
        let now = NIODeadline.now()
        var stale: [HTTPConnection] = []
        defer { for connection in stale { connection.close() } }
        return try state.withLock { state in
            guard !state.shutDown else { throw DeliveryHTTPError.shutDown }
            // Newest first: the connection most likely still open, and the old ones age out.
            while !fresh, let idle = state.idle[origin]?.popLast() {
                if idle.connection.isReusable, now - idle.since < configuration.idleTimeout { return .idle(idle.connection) }
                stale.append(idle.connection)
            }
            guard state.perOrigin[origin, default: 0] < configuration.maxConnectionsPerOrigin else { return .full }
            state.perOrigin[origin, default: 0] += 1
            return .room
        }
    }

    /// Gives back the place a connection to `origin` held under the per-origin cap.
    private static func release(_ origin: HTTPRequestTarget.Origin, in state: inout State) {
        let left = state.perOrigin[origin, default: 1] - 1
        state.perOrigin[origin] = left > 0 ? left : nil
    }

    private func giveBack(_ connection: HTTPConnection) {
        guard connection.isReusable else { return }
        let kept = state.withLock { state in
            guard !state.shutDown, state.idle[connection.origin, default: []].count < configuration.maxIdlePerOrigin else { return false }
            state.idle[connection.origin, default: []].append(Idle(connection: connection, since: .now()))
            return true
        }
        if !kept { connection.close() }
    }

    /// Closes connections left unused for longer than the idle timeout.
    private func closeExpired() {
        let now = NIODeadline.now()
        let expired = state.withLock { state in
            var expired: [HTTPConnection] = []
            for origin in Array(state.idle.keys) {
                let (keep, drop) = state.idle[origin]!.reduce(into: ([Idle](), [HTTPConnection]())) { split, idle in
                    if idle.connection.isReusable, now - idle.since < configuration.idleTimeout {
                        split.0.append(idle)
                    } else {
                        split.1.append(idle.connection)
                    }
                }
                state.idle[origin] = keep.isEmpty ? nil : keep
                expired += drop
            }
            return expired
        }
        for connection in expired { connection.close() }
    }

    private func connect(_ origin: HTTPRequestTarget.Origin, addresses: [[UInt8]]?, deadline: NIODeadline) async throws -> HTTPConnection {
        // Not even a TCP connection once shut down (a retry of a request the shutdown ended).
        guard !state.withLock({ $0.shutDown }) else { throw DeliveryHTTPError.shutDown }
        let tls: NIOSSLContext? = origin.secure ? try tlsContext.get() : nil
        // SNI names a host, never an address.
        let serverName = TargetGuard.addressBytes(origin.host) == nil ? origin.host : nil
        let reusable = ReusableFlag()
        let bodyLimit = configuration.responseBodyLimit
        let left = deadline - .now()
        guard left > .zero else { throw DeliveryHTTPError.timeout }
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(min(configuration.connectTimeout, left))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls {
                        try pipeline.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: serverName))
                    }
                    // `head` checks every header name and value already; NIO's check of
                    // the same would cost a second pass over each request's headers.
                    try pipeline.addHTTPClientHandlers(enableOutboundHeaderValidation: false)
                    try pipeline.addHandler(HTTPConnectionHandler(reusable: reusable, bodyLimit: bodyLimit))
                }
            }
        let channel: any Channel
        do {
            if let addresses, !addresses.isEmpty {
                channel = try await Self.connect(bootstrap, toFirstOf: addresses, port: origin.port)
            } else {
                channel = try await bootstrap.connect(host: origin.host, port: origin.port).get()
            }
        } catch {
            throw DeliveryHTTPError.from(error)
        }
        let handler: NIOLoopBound<HTTPConnectionHandler>
        do {
            handler = try await channel.eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: HTTPConnectionHandler.self), eventLoop: channel.eventLoop)
            }.get()
        } catch {
            // The connection closed already (a TLS handshake refused, a receiver that closes at
            // once) and its handlers are gone.
            channel.close(promise: nil)
            throw reusable.setupFailure ?? DeliveryHTTPError.closedBeforeResponse
        }
        let connection = HTTPConnection(origin: origin, channel: channel, handler: handler, reusable: reusable)
        let id = ObjectIdentifier(connection)
        let admitted = state.withLock { state in
            guard !state.shutDown else { return false }
            state.open[id] = connection
            return true
        }
        guard admitted else {
            connection.close()
            throw DeliveryHTTPError.shutDown
        }
        channel.closeFuture.whenComplete { [weak self] _ in
            self?.state.withLock { state in
                state.open.removeValue(forKey: id)
                Self.release(origin, in: &state)
            }
        }
        return connection
    }

    /// Tries each address in turn and returns the first connection made, or the last error.
    private static func connect(_ bootstrap: ClientBootstrap, toFirstOf addresses: [[UInt8]], port: Int) async throws -> any Channel {
        var lastError: any Error = DeliveryHTTPError.connectFailed("no address to connect to")
        for bytes in addresses {
            do {
                let address = try SocketAddress(packedIPAddress: ByteBuffer(bytes: bytes), port: port)
                return try await bootstrap.connect(to: address).get()
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    /// The request's head. Header names and values are checked here: one with a line break in
    /// it would let an endpoint's configuration write a request of its own.
    static func head(_ target: HTTPRequestTarget, method: HTTPMethod, headers: [HeaderField], bodyLength: Int) throws -> HTTPRequestHead {
        var fields = HTTPHeaders()
        fields.reserveCapacity(headers.count + 2)
        fields.add(name: "host", value: target.hostHeader)
        for header in headers {
            guard isToken(header.name), isFieldValue(header.value) else {
                throw DeliveryHTTPError.invalidRequest("the header \(isToken(header.name) ? header.name : "name") is not valid HTTP")
            }
            let name = header.name.lowercased()
            if name == "host" || name == "content-length" || name == "transfer-encoding" || name == "connection" { continue }
            fields.add(name: header.name, value: header.value)
        }
        fields.add(name: "content-length", value: String(bodyLength))
        return HTTPRequestHead(version: .http1_1, method: method, uri: target.path, headers: fields)
    }

    private static func isToken(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            default:
                "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }

    private static func isFieldValue(_ value: String) -> Bool {
        value.utf8.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }
    }
}
