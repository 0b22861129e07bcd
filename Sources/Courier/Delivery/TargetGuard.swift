import Foundation
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Keeps requests out of the network Courier runs in.
///
/// Whoever can create an endpoint chooses where Courier sends requests, so without a guard any
/// tenant could reach the metadata service, the database or an admin console beside Courier
/// (server-side request forgery). Unless the server was started to allow it, endpoint URLs may
/// not name a loopback, private, link-local or otherwise non-public address, neither as written
/// (refused when the endpoint is saved) nor as the host name resolves at send time (the
/// attempt is rejected without a request). Resolutions are cached for ``cacheLifetime``.
///
/// A name is resolved once for both the check and the connection: the guard hands the
/// addresses it checked to ``DeliveryHTTPClient``, which connects to one of them instead of
/// resolving the name again, so a name whose answers change between the two (DNS rebinding)
/// cannot slip a private address through.
public final class TargetGuard: Sendable {
    public let allowsPrivateTargets: Bool
    private let resolved = Mutex<[String: (at: ContinuousClock.Instant, verdict: Verdict)]>([:])
    public static let cacheLifetime: Duration = .seconds(30)

    public init(allowsPrivateTargets: Bool) {
        self.allowsPrivateTargets = allowsPrivateTargets
    }

    /// The host a URL names, as the guard compares it.
    public static func host(of url: String) -> String? {
        URLComponents(string: url)?.host?.lowercased()
    }

    /// Why `url` may not be saved as an endpoint, judging by what it says literally.
    public func problemSaving(url: String) -> String? {
        guard !allowsPrivateTargets, let host = Self.host(of: url) else { return nil }
        return Self.literalProblem(host: host)
    }

    /// What the guard says of a request to a host.
    public enum Verdict: Sendable, Equatable {
        /// Send, connecting to one of these addresses (4 or 16 bytes each) when they are given,
        /// or to the host as it resolves then when they are not (private targets allowed, an IP
        /// literal, or a name that did not resolve, whose connection then fails on its own).
        case allowed(addresses: [[UInt8]]?)
        case refused(String)

        public var problem: String? {
            if case .refused(let problem) = self { return problem }
            return nil
        }

        public var addresses: [[UInt8]]? {
            if case .allowed(let addresses) = self { return addresses }
            return nil
        }
    }

    /// Why a request to `url` may not go now, resolving its host; nil when it may.
    public func problemSending(to url: String) async -> String? {
        await verdict(forHost: Self.host(of: url)).problem
    }

    /// Whether a request to `host` (taken from its URL, see ``DeliveryTarget``) may go now, and
    /// to which addresses.
    public func verdict(forHost host: String?) async -> Verdict {
        guard !allowsPrivateTargets, let host else { return .allowed(addresses: nil) }
        if let problem = Self.literalProblem(host: host) { return .refused(problem) }
        if Self.addressBytes(Self.bare(host)) != nil { return .allowed(addresses: nil) }
        let now = ContinuousClock.now
        if let cached = resolved.withLock({ $0[host] }), now - cached.at < Self.cacheLifetime { return cached.verdict }
        let verdict = await Self.resolutionVerdict(host: host)
        resolved.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[host] = (now, verdict)
        }
        return verdict
    }

    /// The host without an IPv6 literal's brackets or a fully qualified name's last dot
    /// (`localhost.` is `localhost`).
    private static func bare(_ host: String) -> String {
        if host.hasPrefix("[") && host.hasSuffix("]") { return String(host.dropFirst().dropLast()) }
        return host.count > 1 && host.hasSuffix(".") ? String(host.dropLast()) : host
    }

    static func literalProblem(host: String) -> String? {
        let bare = Self.bare(host)
        if bare == "localhost" || bare.hasSuffix(".localhost") {
            return "\(host) is this machine; private targets are not allowed (start the server with --allow-private-targets)"
        }
        guard let bytes = Self.addressBytes(bare), !Self.isPublic(bytes) else { return nil }
        return "\(bare) is not a public address; private targets are not allowed (start the server with --allow-private-targets)"
    }

    private static func resolutionVerdict(host: String) async -> Verdict {
        let addresses: [[UInt8]]
        do {
            addresses = try await NIOThreadPool.singleton.runIfActive { try Self.resolve(host) }
        } catch {
            return .allowed(addresses: nil)  // The request itself will fail to connect and say why, and be retried.
        }
        if let bad = addresses.first(where: { !isPublic($0) }) {
            return .refused("\(host) resolves to \(describe(bad)), which is not a public address; private targets are not allowed")
        }
        return .allowed(addresses: addresses.isEmpty ? nil : addresses)
    }

    private static func resolve(_ host: String) throws -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { throw CancellationError() }
        defer { freeaddrinfo(first) }
        var addresses: [[UInt8]] = []
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let info = next {
            // Read by offset rather than through sockaddr_in(6): those C types come from more than
            // one module here, and which one the compiler picks is not stable.
            if let address = info.pointee.ai_addr.map(UnsafeRawPointer.init) {
                if info.pointee.ai_family == AF_INET {
                    addresses.append(Array(UnsafeRawBufferPointer(start: address + 4, count: 4)))  // sin_addr
                } else if info.pointee.ai_family == AF_INET6 {
                    addresses.append(Array(UnsafeRawBufferPointer(start: address + 8, count: 16)))  // sin6_addr
                }
            }
            next = info.pointee.ai_next
        }
        return addresses
    }

    /// The 4 or 16 bytes of an IP literal, or nil for a name.
    ///
    /// IPv4 is read as `inet_aton` and the resolver read it, not only in dotted quads: `127.1`,
    /// `2130706433` and `0x7f.1` all connect to 127.0.0.1, so they are all that address here.
    static func addressBytes(_ text: String) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET6, text, &bytes) == 1 { return bytes }
        return ipv4Bytes(text)
    }

    /// IPv4 as `inet_aton` reads it, written here rather than called: its `in_addr` comes from
    /// more than one module, and a release build could not tell which. One to four parts,
    /// each decimal, octal (`0…`) or hexadecimal (`0x…`); the last fills the bytes left.
    static func ipv4Bytes(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count) else { return nil }
        var values: [UInt64] = []
        for part in parts {
            let digits = part.lowercased()
            let value: UInt64?
            if digits.hasPrefix("0x") {
                value = UInt64(digits.dropFirst(2), radix: 16)
            } else if digits.hasPrefix("0"), digits.count > 1 {
                value = UInt64(digits.dropFirst(), radix: 8)
            } else {
                value = digits.isEmpty ? nil : UInt64(digits, radix: 10)
            }
            guard let value, digits.allSatisfy({ $0.isHexDigit || $0 == "x" }) else { return nil }
            values.append(value)
        }
        // Every part but the last is one byte; the last fills the rest.
        let lastBits = 8 * (5 - values.count)
        guard values.dropLast().allSatisfy({ $0 <= 0xFF }), values.last! < (1 << lastBits) else { return nil }
        var address: UInt64 = 0
        for value in values.dropLast() { address = address << 8 | value }
        address = address << lastBits | values.last!
        return [UInt8(address >> 24 & 0xFF), UInt8(address >> 16 & 0xFF), UInt8(address >> 8 & 0xFF), UInt8(address & 0xFF)]
    }

    /// Whether an address (4 or 16 bytes) is on the public internet: not loopback, private,
    /// shared, link-local, multicast, documentation, benchmarking or reserved (RFC 6890).
    public static func isPublic(_ bytes: [UInt8]) -> Bool {
        if bytes.count == 4 {
            let (a, b, c) = (bytes[0], bytes[1], bytes[2])
            switch a {
            case 0, 10, 127: return false
            case 100 where b >= 64 && b <= 127: return false  // shared address space
            case 169 where b == 254: return false
            case 172 where b >= 16 && b <= 31: return false
            case 192 where b == 168: return false
            case 192 where b == 0 && (c == 0 || c == 2): return false
            case 198 where b == 18 || b == 19: return false
            case 198 where b == 51 && c == 100: return false
            case 203 where b == 0 && c == 113: return false
            case 224...255: return false  // multicast, reserved, broadcast
            default: return true
            }
        }
        guard bytes.count == 16 else { return false }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return isPublic(Array(bytes[12..<16]))  // IPv4-mapped
        }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) { return false }  // :: and ::1
        if bytes[0] & 0xFE == 0xFC { return false }  // unique local fc00::/7
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return false }  // link-local fe80::/10
        if bytes[0] == 0xFF { return false }  // multicast
        if bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0D && bytes[3] == 0xB8 { return false }  // documentation
        if bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xFF && bytes[3] == 0x9B { return false }  // NAT64 of anything
        return true
    }

    private static func describe(_ bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        _ = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        let text = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: text, as: UTF8.self)
    }
}
