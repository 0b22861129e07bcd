#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix

/// A TCP server on loopback that answers HTTP requests the way broken receivers do: with bytes
/// that are not HTTP, by resetting the connection, or by closing it without a word.
///
/// ``RecordingReceiver`` is a well-behaved HTTP server and cannot do these; the delivery engine
/// must survive all of them and record what happened.
public final class MisbehavingReceiver: Sendable {
    public enum Behaviour: Sendable {
        /// Writes these bytes in place of an HTTP response, then closes.
        case garbage([UInt8])
        /// Closes with a TCP reset (RST) as soon as the request arrives.
        case reset
        /// Closes cleanly without answering.
        case closeWithoutAnswer
    }

    private let channel: any Channel
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }

    private init(channel: any Channel, port: Int) {
        self.channel = channel
        self.port = port
    }

    public static func start(_ behaviour: Behaviour) async throws -> MisbehavingReceiver {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(behaviour: behaviour))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return MisbehavingReceiver(channel: channel, port: channel.localAddress?.port ?? 0)
    }

    public func stop() async {
        try? await channel.close()
    }

    private final class Handler: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let behaviour: Behaviour

        init(behaviour: Behaviour) {
            self.behaviour = behaviour
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch behaviour {
            case .garbage(let bytes):
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)))
                    .whenComplete { _ in channel.close(promise: nil) }
            case .reset:
                // SO_LINGER with a zero timeout makes close send RST instead of FIN.
                let channel = context.channel
                if let provider = channel as? any SocketOptionProvider {
                    provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
                } else {
                    channel.close(promise: nil)
                }
            case .closeWithoutAnswer:
                context.close(promise: nil)
            }
        }
    }
}
