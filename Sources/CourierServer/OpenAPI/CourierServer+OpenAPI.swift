import Hummingbird

extension CourierServer {
    /// `/openapi.json`, for client generators and people. No token, like `/healthz`: it holds
    /// no tenant data, and a tool should be able to read it before anyone has a token to give.
    static func addOpenAPI(to router: Router<CourierRequestContext>) {
        router.get("openapi.json") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: OpenAPIDocument.body)
            )
        }
    }
}
