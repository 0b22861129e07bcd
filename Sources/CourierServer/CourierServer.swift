import Courier
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// The HTTP API of `courier serve`, as a Hummingbird application.
public enum CourierServer {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// The largest request body accepted; larger ones get 413.
        public var maxBodySize: Int
        /// Whether endpoints may name loopback, private and link-local addresses (see `TargetGuard`).
        public var allowsPrivateTargets: Bool
        /// The hash of the bearer token `/metrics` asks for (`COURIER_METRICS_TOKEN`), or nil
        /// for none: its labels name tenants and endpoint ids, which a port reachable from
        /// outside should not show to anyone.
        public var metricsTokenHash: String?

        public init(
            host: String = "127.0.0.1", port: Int = 8080, maxBodySize: Int = 1 << 20, allowsPrivateTargets: Bool = false,
            metricsTokenHash: String? = nil
        ) {
            self.host = host
            self.port = port
            self.maxBodySize = maxBodySize
            self.allowsPrivateTargets = allowsPrivateTargets
            self.metricsTokenHash = metricsTokenHash
        }
    }

    /// The admin token's hash to accept, and the token itself when it was generated just now.
    public struct AdminToken: Sendable {
        public var hash: String
        /// Set only on the start that generated it, so that it is printed exactly once.
        public var generated: String?
    }

    static let adminTokenSetting = "admin_token_hash"

    /// The shortest token a person should set: shorter ones can be guessed. A new setting
    /// (the metrics token) refuses them; the admin token, which deployments set before this
    /// rule, is only warned about (see ``isShort(_:)``), so that an upgrade does not stop a node.
    public static let minimumConfiguredTokenLength = 16

    public static func isShort(_ token: String) -> Bool {
        token.count < minimumConfiguredTokenLength
    }

    /// The hash of a token a person set in the environment variable `variable`. White space
    /// in it could never be sent as written (HTTP drops it around a value), nor a control
    /// character; `refusingShort` refuses one shorter than ``minimumConfiguredTokenLength``.
    public static func configuredTokenHash(_ token: String, variable: String, refusingShort: Bool) throws -> String {
        guard !token.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }) else {
            throw CourierError.invalid("\(variable) must not contain spaces or control characters")
        }
        if refusingShort, isShort(token) {
            throw CourierError.invalid("\(variable) must be at least \(minimumConfiguredTokenLength) characters")
        }
        return TokenSecret.hash(token)
    }

    /// Uses `configured` (from `COURIER_ADMIN_TOKEN`) when given; otherwise the stored hash, or
    /// generates a token, stores its hash and returns it for printing.
    public static func prepareAdminToken(store: any Store, configured: String?) async throws -> AdminToken {
        if let configured, !configured.isEmpty {
            return AdminToken(hash: try configuredTokenHash(configured, variable: "COURIER_ADMIN_TOKEN", refusingShort: false), generated: nil)
        }
        if let stored = try await store.setting(adminTokenSetting) {
            return AdminToken(hash: stored, generated: nil)
        }
        // Nodes started together on a fresh database each make one; the first stored is the
        // token, and only the node that made it shows it.
        let token = TokenSecret.generate(prefix: "ck_admin")
        let stored = try await store.setSettingIfAbsent(adminTokenSetting, value: TokenSecret.hash(token))
        return AdminToken(hash: stored, generated: stored == TokenSecret.hash(token) ? token : nil)
    }

    /// The router with every route; tests drive it in-process or over a socket.
    public static func makeRouter(
        store: any Store, configuration: Configuration, adminTokenHash: String, metrics: PrometheusCollectorRegistry? = nil
    ) -> Router<CourierRequestContext> {
        let router = Router(context: CourierRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: ReadsTakeNoBodyMiddleware())
        addHealth(to: router, metrics: metrics, metricsTokenHash: configuration.metricsTokenHash, store: store)
        addOpenAPI(to: router)
        let body = RequestBody(limit: configuration.maxBodySize)
        let tokenCache = TokenCache()
        let api = router.group("v1").add(middleware: AuthMiddleware(store: store, adminTokenHash: adminTokenHash, cache: tokenCache))
        let dashboard = DashboardRoutes(
            store: store, adminTokenHash: adminTokenHash, bodyLimit: configuration.maxBodySize,
            targetGuard: TargetGuard(allowsPrivateTargets: configuration.allowsPrivateTargets)
        )
        TenantRoutes(store: store, body: body, tokenCache: tokenCache, endSessions: dashboard.endSessions(ofTokenHash:)).add(to: api)
        EndpointRoutes(store: store, body: body, targetGuard: TargetGuard(allowsPrivateTargets: configuration.allowsPrivateTargets))
            .add(to: api)
        EventRoutes(store: store, body: body).add(to: api)
        DeliveryRoutes(store: store, body: body).add(to: api)
        OperationRoutes(store: store, body: body).add(to: api)
        SessionRoutes(store: store, body: body).add(to: api)
        MessageRoutes(store: store, body: body).add(to: api)
        dashboard.add(to: router)
        // Last, so that it wraps the not-found answer alone.
        router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes))
        return router
    }

    /// `/healthz` alone, for `courier worker`.
    public static func makeHealthApplication(
        configuration: Configuration,
        metrics: PrometheusCollectorRegistry? = nil,
        logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router(context: CourierRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: ErrorMiddleware())
        addHealth(to: router, metrics: metrics, metricsTokenHash: configuration.metricsTokenHash)
        router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes))
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Courier"),
            onServerRunning: onServerRunning,
            logger: logger
        )
    }

    /// `/healthz`, and `/metrics` in the Prometheus text format when a registry is given.
    /// `/healthz` needs no token: orchestrators call it, and it holds no tenant data. `/metrics`
    /// needs one only when `metricsTokenHash` is set, since Prometheus scrapes without one by
    /// default, but its labels name tenants and endpoint ids.
    /// `/healthz` answers 503 while the store cannot do its work until someone acts (a failed
    /// flush of SQLite's log, which a restart cures; a node's clock out of step with
    /// PostgreSQL's), so that an orchestrator or a person hears of it.
    static func addHealth(
        to router: Router<CourierRequestContext>, metrics: PrometheusCollectorRegistry?, metricsTokenHash: String?, store: (any Store)? = nil
    ) {
        router.get("healthz") { _, _ in
            if let failure = store?.standingFailure {
                // The API's error shape, `{"error": {...}}`, with the status beside it.
                var body = ErrorMiddleware<CourierRequestContext>.body(code: failure.code, message: failure.message, field: nil).objectValue ?? JSONObject()
                body["status"] = .string("failing")
                body["version"] = .string(Courier.version)
                return JSONResponse.make(status: .serviceUnavailable, .object(body))
            }
            return JSONResponse.make(.object(JSONObject(["status": .string("ok"), "version": .string(Courier.version)])))
        }
        if let metrics {
            router.get("metrics") { request, _ in
                if let metricsTokenHash {
                    let given = request.headers[.authorization].flatMap { header -> String? in
                        let parts = header.split(separator: " ", maxSplits: 1)
                        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
                        return AuthMiddleware.withoutOptionalWhitespace(parts[1])
                    }
                    guard let given, TokenSecret.hash(given) == metricsTokenHash else {
                        throw CourierError(
                            .unauthenticated, code: "unauthenticated",
                            message: "/metrics takes the token set as COURIER_METRICS_TOKEN: 'Authorization: Bearer <token>'"
                        )
                    }
                }
                return Response(
                    status: .ok,
                    headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: MetricHelp.annotate(metrics.emitToBuffer())))
                )
            }
        }
    }

    /// The application: the API plus whatever background services run beside it (the engine).
    public static func makeApplication(
        store: any Store,
        configuration: Configuration,
        adminTokenHash: String,
        metrics: PrometheusCollectorRegistry? = nil,
        services: [any Service] = [],
        logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: makeRouter(store: store, configuration: configuration, adminTokenHash: adminTokenHash, metrics: metrics),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Courier"),
            services: services,
            onServerRunning: onServerRunning,
            logger: logger
        )
    }
}
