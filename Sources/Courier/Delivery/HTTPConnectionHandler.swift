import NIOCore
import NIOHTTP1
import Synchronization

/// One HTTP/1.1 connection's exchanges, one at a time, on the connection's event loop.
///
/// The whole of an exchange lives here: the request is written and flushed in one go, the
/// response's head and the first `bodyLimit` bytes of its body are kept, and the
/// promise is completed once, by whichever comes first of the response's end, the deadline, an
/// error or the connection closing. There are no tasks, streams or state machines per request
/// beyond this: that per-request machinery was most of a delivery's cost in the general-purpose
/// client this replaces.
final class HTTPConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private struct Exchange {
        var promise: EventLoopPromise<HTTPExchangeResult>
        var timeout: Scheduled<Void>?
        var status: Int?
        var headers: [HeaderField] = []
        var keepAlive = true
        var body: [UInt8] = []
        var truncated = false
        /// An interim (1xx) answer is under way: its end is not the exchange's.
        var interim = false
    }

    private enum State {
        case idle
        case exchanging(Exchange)
        case closed
    }

    private var state: State = .idle
    private var context: ChannelHandlerContext?
    /// Whether an exchange ever started here: until then, an error that closes the connection
    /// (a TLS handshake refused) is kept for the request it was opened for.
    private var used = false
    /// Read from other threads by the pool to tell whether the connection can take another request.
    let reusable: ReusableFlag
    /// How many bytes of a body are kept (``DeliveryHTTPClient/Configuration/responseBodyLimit``).
    private let bodyLimit: Int

    init(reusable: ReusableFlag, bodyLimit: Int) {
        self.reusable = reusable
        self.bodyLimit = bodyLimit
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Writes `head` and `body` and completes `promise` with the answer, or fails it.
    func start(head: HTTPRequestHead, body: ByteBuffer, deadline: NIODeadline, promise: EventLoopPromise<HTTPExchangeResult>) {
        guard let context else {
            promise.fail(reusable.setupFailure ?? DeliveryHTTPError.closedBeforeResponse)
            return
        }
        switch state {
        case .closed:
            promise.fail(reusable.setupFailure ?? DeliveryHTTPError.closedBeforeResponse)
            return
        case .exchanging:
            // The pool hands a connection to one request at a time; this is a bug, not a
            // receiver's doing, and the request fails rather than corrupting the other one.
            promise.fail(DeliveryHTTPError.invalidRequest("the connection is busy"))
            return
        case .idle:
            break
        }
        used = true
        reusable.set(false)
        let timeout = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            guard let self else { return }
            self.fail(DeliveryHTTPError.timeout, closing: true)
        }
        state = .exchanging(Exchange(promise: promise, timeout: timeout))
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// Ends the exchange `promise` belongs to as cancelled, if it is still under way; the
    /// connection goes with it, since the answer may still come. A cancellation that arrives
    /// after its exchange ended leaves alone whatever exchange the connection has now.
    func cancel(_ promise: EventLoopPromise<HTTPExchangeResult>) {
        guard case .exchanging(let exchange) = state, exchange.promise.futureResult === promise.futureResult else { return }
        fail(DeliveryHTTPError.cancelled, closing: true)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .exchanging(var exchange) = state else {
            // Nothing was asked: a receiver talking out of turn gets the connection closed.
            if case .idle = state { close(context) }
            return
        }
        switch unwrapInboundIn(data) {
        case .head(let head) where (100..<200).contains(head.status.code) && head.status.code != 101:
            // 103 Early Hints, 102 Processing and the like come before the answer; they are not it.
            exchange.interim = true
            state = .exchanging(exchange)
        case .head(let head):
            exchange.status = Int(head.status.code)
            // A field's value excludes the white space around it (RFC 9112 §5), which llhttp
            // leaves at its end: `webhook-delivery: abort-message ` is an abort.
            exchange.headers = head.headers.map { HeaderField(name: $0.name, value: Self.trimmingWhiteSpace($0.value)) }
            exchange.keepAlive = head.isKeepAlive
            state = .exchanging(exchange)
        case .body(var buffer):
            let room = bodyLimit - exchange.body.count
            if buffer.readableBytes > room {
                exchange.body += buffer.readBytes(length: room) ?? []
                exchange.truncated = true
                // The rest is not read: the connection goes, with whatever else the receiver sends.
                exchange.keepAlive = false
                state = .exchanging(exchange)
                finish(context)
                return
            }
            exchange.body += buffer.readableBytesView
            state = .exchanging(exchange)
        case .end where exchange.interim:
            exchange.interim = false
            state = .exchanging(exchange)
        case .end:
            finish(context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        reusable.set(false)
        if case .exchanging(let exchange) = state, exchange.status != nil {
            fail(DeliveryHTTPError.invalidResponse("the connection closed part way through the response"), closing: false)
        } else {
            fail(DeliveryHTTPError.closedBeforeResponse, closing: false)
        }
        state = .closed
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(DeliveryHTTPError.from(error), closing: true)
    }

    private func finish(_ context: ChannelHandlerContext) {
        guard case .exchanging(let exchange) = state, let status = exchange.status else {
            fail(DeliveryHTTPError.invalidResponse("the response ended without a head"), closing: true)
            return
        }
        exchange.timeout?.cancel()
        let result = HTTPExchangeResult(
            status: status, headers: exchange.headers, body: exchange.body, bodyTruncated: exchange.truncated
        )
        if exchange.keepAlive {
            state = .idle
            reusable.set(true)
        } else {
            close(context)
        }
        exchange.promise.succeed(result)
    }

    /// Ends the exchange under way, if any, with `error`. A connection whose exchange failed
    /// part way cannot be trusted with another, so it is closed.
    private func fail(_ error: DeliveryHTTPError, closing: Bool) {
        guard case .exchanging(let exchange) = state else {
            if !used { reusable.recordSetupFailure(error) }
            if closing, let context { close(context) }
            return
        }
        exchange.timeout?.cancel()
        if let context, closing {
            close(context)
        } else {
            state = .closed
        }
        exchange.promise.fail(error)
    }

    private func close(_ context: ChannelHandlerContext) {
        state = .closed
        reusable.set(false)
        context.close(promise: nil)
    }

    /// `value` without spaces and tabs at either end; the same string when it has none, as nearly always.
    static func trimmingWhiteSpace(_ value: String) -> String {
        let isWhiteSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 }
        let bytes = value.utf8
        guard let first = bytes.first, let last = bytes.last, isWhiteSpace(first) || isWhiteSpace(last) else { return value }
        let trimmed = bytes.drop(while: isWhiteSpace).reversed().drop(while: isWhiteSpace).reversed()
        return String(decoding: Array(trimmed), as: UTF8.self)
    }
}

/// What one exchange brought back: the status, the headers, and the start of the body.
public struct HTTPExchangeResult: Sendable {
    public var status: Int
    public var headers: [HeaderField]
    public var body: [UInt8]
    public var bodyTruncated: Bool
}

/// Whether a connection can take another request, set on its event loop and read by the pool.
final class ReusableFlag: Sendable {
    private let value = Atomic<Bool>(false)
    private let failure = Mutex<DeliveryHTTPError?>(nil)

    var isSet: Bool { value.load(ordering: .acquiring) }

    func set(_ reusable: Bool) {
        value.store(reusable, ordering: .releasing)
    }

    /// Why the connection closed before its first exchange started, if it did: a TLS handshake
    /// can fail before the request that opened the connection reaches it.
    var setupFailure: DeliveryHTTPError? { failure.withLock { $0 } }

    /// Keeps the first such reason.
    func recordSetupFailure(_ error: DeliveryHTTPError) {
        failure.withLock { if $0 == nil { $0 = error } }
    }
}
