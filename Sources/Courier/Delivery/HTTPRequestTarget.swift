import Foundation

/// Where a URL sends a request, worked out once per endpoint version instead of per request.
public struct HTTPRequestTarget: Sendable, Hashable {
    /// The connections a request can share: same scheme, host and port.
    public struct Origin: Sendable, Hashable, CustomStringConvertible {
        public var secure: Bool
        /// As connected to: an IPv6 address without its brackets.
        public var host: String
        public var port: Int

        public var description: String { "\(secure ? "https" : "http")://\(host):\(port)" }
    }

    public let origin: Origin
    /// The `Host` header: the host as the URL writes it, with the port when it is not the default.
    public let hostHeader: String
    /// The request line's target: the path (`/` when empty) and the query, still percent-encoded.
    public let path: String

    /// Nil for anything but an absolute http or https URL with a host.
    public init?(url: String) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https",
              var host = components.percentEncodedHost, !host.isEmpty else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let secure = scheme == "https"
        let defaultPort = secure ? 443 : 80
        let port = components.port ?? defaultPort
        guard (1...65535).contains(port) else { return nil }
        origin = Origin(secure: secure, host: host, port: port)
        let written = host.contains(":") ? "[\(host)]" : host
        hostHeader = port == defaultPort ? written : "\(written):\(port)"
        let encodedPath = components.percentEncodedPath
        var path = encodedPath.isEmpty ? "/" : encodedPath
        if let query = components.percentEncodedQuery { path += "?" + query }
        self.path = path
    }
}
