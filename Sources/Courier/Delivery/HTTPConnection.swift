import NIOCore
import NIOHTTP1

/// A connection to one origin, handed to one request at a time by ``DeliveryHTTPClient``.
final class HTTPConnection: Sendable {
    let origin: HTTPRequestTarget.Origin
    let channel: any Channel
    private let handler: NIOLoopBound<HTTPConnectionHandler>
    private let reusable: ReusableFlag

    init(origin: HTTPRequestTarget.Origin, channel: any Channel, handler: NIOLoopBound<HTTPConnectionHandler>, reusable: ReusableFlag) {
        self.origin = origin
        self.channel = channel
        self.handler = handler
        self.reusable = reusable
    }

    /// Whether the last exchange ended cleanly on a connection still open.
    var isReusable: Bool { reusable.isSet && channel.isActive }

    func exchange(head: HTTPRequestHead, body: ByteBuffer, deadline: NIODeadline) async throws -> HTTPExchangeResult {
        let promise = channel.eventLoop.makePromise(of: HTTPExchangeResult.self)
        channel.eventLoop.execute { [handler] in
            handler.value.start(head: head, body: body, deadline: deadline, promise: promise)
        }
        return try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: { [handler, channel] in
            channel.eventLoop.execute { handler.value.cancel(promise) }
        }
    }

    func close() {
        channel.close(promise: nil)
    }
}
