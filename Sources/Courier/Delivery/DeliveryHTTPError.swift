import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

#if canImport(Glibc)
import Glibc
#endif

/// Why an exchange with a receiver brought back no answer, in words fit for the attempt record.
public enum DeliveryHTTPError: Error, Hashable, CustomStringConvertible {
    case connectTimeout
    case connectionRefused
    case connectFailed(String)
    /// No complete response before the request's deadline.
    case timeout
    /// The receiver closed the connection before its answer was complete.
    case closedBeforeResponse
    case reset
    case invalidResponse(String)
    case tls(String)
    case invalidRequest(String)
    case shutDown
    /// The task waiting for the answer was cancelled (an engine past its shutdown grace period).
    case cancelled
    case other(String)

    public var description: String {
        switch self {
        case .connectTimeout: "timeout: could not connect in time"
        case .connectionRefused: "connection refused"
        case .connectFailed(let reason): "could not connect: \(reason)"
        case .timeout: "timeout: no complete response in time"
        case .closedBeforeResponse: "connection closed by the receiver"
        case .reset: "connection reset by the receiver"
        case .invalidResponse(let reason): "invalid response: \(reason)"
        case .tls(let reason): "TLS failed: \(reason)"
        case .invalidRequest(let reason): "invalid request: \(reason)"
        case .shutDown: "cancelled: the client is shut down"
        case .cancelled: "cancelled"
        case .other(let reason): "request failed: \(reason)"
        }
    }

    /// The error a channel reported, as one of these.
    static func from(_ error: any Error) -> DeliveryHTTPError {
        switch error {
        case let error as DeliveryHTTPError:
            return error
        case let error as IOError where error.errnoCode == ECONNRESET || error.errnoCode == EPIPE:
            return .reset
        case let error as IOError where error.errnoCode == ECONNREFUSED:
            return .connectionRefused
        case is HTTPParserError, is NIOHTTPDecoderError:
            return .invalidResponse("not HTTP/1.1 (\(error))")
        case let error as NIOSSLError:
            return .tls("\(error)")
        case let error as BoringSSLError:
            return .tls("\(error)")
        case let error as NIOSSLExtraError:
            // A certificate that does not name the host asked for, among others.
            return .tls("\(error)")
        case ChannelError.connectTimeout:
            return .connectTimeout
        case let error as NIOConnectionError:
            if error.connectionErrors.contains(where: { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }) {
                return .connectionRefused
            }
            if let dns = error.dnsAAAAError ?? error.dnsAError, error.connectionErrors.isEmpty {
                return .connectFailed("cannot resolve \(error.host): \(dns)")
            }
            return .connectFailed(error.connectionErrors.first.map { "\($0.error)" } ?? "\(error)")
        default:
            return .other("\(error)")
        }
    }
}
