/// Runs `body` with `resource`, then `close`s it whether `body` returned or threw: what an
/// `async` `defer` would do, for stores that must be shut down before a test ends.
public func withClosing<Resource, Result>(
    _ resource: Resource, close: (Resource) async -> Void, _ body: (Resource) async throws -> Result
) async throws -> Result {
    // The dynamic type: for an `any Store`, the store's own (SQLiteStore, PostgresStore).
    let name = "\(type(of: resource))"
    let result: Result
    do {
        result = try await body(resource)
    } catch {
        await reportingStall("closing a \(name)") { await close(resource) }
        throw error
    }
    await reportingStall("closing a \(name)") { await close(resource) }
    return result
}
