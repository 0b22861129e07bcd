import Foundation

/// The unit of isolation: every object belongs to exactly one tenant (CommCare's "domain").
public struct Tenant: Sendable, Hashable, Codable {
    public static let defaultID = "default"

    public var id: String
    public var name: String?
    public var createdAt: Date

    public init(id: String, name: String? = nil, createdAt: Date) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }

    /// Tenant ids appear in headers and URLs, so they are kept to a safe alphabet.
    public static func validate(id: String) throws(CourierError) {
        let allowed = id.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x5F
        }
        guard !id.isEmpty, id.utf8.count <= 64, allowed else {
            throw .invalid("id must be 1 to 64 characters of a-z, 0-9, '-' and '_'", field: "id")
        }
        // Metrics label what is over their budget so; a tenant of that name would be mistaken for it.
        guard id != MetricLabels.other else {
            throw .invalid("id \(MetricLabels.other) is reserved", field: "id")
        }
    }
}

/// Who a request acts as, once its token has been checked.
public enum Principal: Sendable, Hashable {
    /// The admin token: may act on any tenant.
    case admin
    /// A tenant token: acts on its tenant only.
    case tenant(String)
}

/// An API token as stored: only a hash of the secret is kept, so a copy of the database does
/// not hand out working credentials.
public struct APIToken: Sendable, Hashable {
    public var id: String
    public var tenantID: String?
    public var hash: String
    public var name: String?
    public var createdAt: Date

    public init(id: String, tenantID: String?, hash: String, name: String?, createdAt: Date) {
        self.id = id
        self.tenantID = tenantID
        self.hash = hash
        self.name = name
        self.createdAt = createdAt
    }
}
