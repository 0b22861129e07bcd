import Courier


/// The dashboard's signing key, read from the store the first time a page needs it.
actor DashboardKeyring {
    private let store: any Store
    private var loaded: DashboardKeys?

    init(store: any Store) {
        self.store = store
    }

    func keys() async throws -> DashboardKeys {
        if let loaded { return loaded }
        let keys = try await DashboardKeys.load(store: store)
        loaded = keys
        return keys
    }
}
