import Foundation

/// How Courier proves itself to an endpoint, beside the signature: many receivers sit behind
/// an API gateway that wants its own credentials.
///
/// The credentials are stored with the endpoint (as its signing secret is) but never shown
/// back by the API, and never written to attempt records or logs: ``publicJSON`` leaves them
/// out.
public enum OutboundAuth: Sendable, Hashable {
    case basic(username: String, password: String)
    case bearer(token: String)
    /// A key in a header of the endpoint's choosing (`X-Api-Key: …`).
    case apiKey(header: String, value: String)
    /// OAuth 2.0 client credentials: a token fetched from `tokenURL`, cached until it expires,
    /// and fetched again once when the receiver answers 401.
    case oauth2(OAuth2ClientCredentials)

    /// The name of the header that carries the credentials, OAuth 2.0's fetched token included.
    public var headerName: String {
        switch self {
        case .basic, .bearer, .oauth2: "authorization"
        case .apiKey(let header, _): header
        }
    }

    /// The header that carries static credentials; nil for OAuth 2.0, whose token is fetched.
    public var staticHeader: HeaderField? {
        switch self {
        case .basic(let username, let password):
            HeaderField(name: "authorization", value: "Basic " + Data("\(username):\(password)".utf8).base64EncodedString())
        case .bearer(let token):
            HeaderField(name: "authorization", value: "Bearer \(token)")
        case .apiKey(let header, let value):
            HeaderField(name: header, value: value)
        case .oauth2:
            nil
        }
    }
}

/// The client-credentials grant (RFC 6749 §4.4) of one endpoint.
public struct OAuth2ClientCredentials: Sendable, Hashable {
    public var tokenURL: String
    public var clientID: String
    public var clientSecret: String
    public var scope: String?
    public var audience: String?

    public init(tokenURL: String, clientID: String, clientSecret: String, scope: String? = nil, audience: String? = nil) {
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.scope = scope
        self.audience = audience
    }
}

extension OutboundAuth {
    /// Reads the endpoint's `auth`: `{"type": "basic" | "bearer" | "apiKey" | "oauth2", …}`.
    public init(json: JSONValue, path: String = "auth") throws(CourierError) {
        var reader = try JSONFieldReader(json, path: path, what: path)
        let type = try reader.requiredString("type")
        switch type {
        case "basic":
            self = .basic(username: try reader.requiredString("username"), password: try reader.requiredString("password"))
        case "bearer":
            self = .bearer(token: try reader.requiredString("token"))
        case "apiKey":
            self = .apiKey(header: try reader.requiredString("header"), value: try reader.requiredString("value"))
        case "oauth2":
            self = .oauth2(OAuth2ClientCredentials(
                tokenURL: try reader.requiredString("tokenUrl"), clientID: try reader.requiredString("clientId"),
                clientSecret: try reader.requiredString("clientSecret"), scope: try reader.string("scope"),
                audience: try reader.string("audience")
            ))
        default:
            throw .invalid("\(reader.fieldPath("type")) must be basic, bearer, apiKey or oauth2", field: reader.fieldPath("type"))
        }
        try reader.rejectUnknownFields()
        try validate(path: path)
    }

    /// Refuses credentials that could not be sent as written (a line break would end the
    /// header, a colon in a user name would move the password), whether they came as JSON or
    /// from a Swift caller. `path` names the fields as the API spells them.
    public func validate(path: String = "auth") throws(CourierError) {
        func secret(_ value: String, _ key: String) throws(CourierError) {
            guard !value.isEmpty, value.utf8.count <= 4096, !value.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
                throw .invalid("\(path).\(key) must be 1 to 4096 printable characters", field: "\(path).\(key)")
            }
        }
        switch self {
        case .basic(let username, let password):
            try secret(username, "username")
            guard !username.contains(":") else {
                throw .invalid("\(path).username cannot contain a colon", field: "\(path).username")
            }
            try secret(password, "password")
        case .bearer(let token):
            try secret(token, "token")
        case .apiKey(let header, let value):
            try secret(value, "value")
            do {
                try EndpointChanges.validate(header: header, value: value)
            } catch {
                throw .invalid("\(path).header: \(error.message)", field: "\(path).header")
            }
        case .oauth2(let credentials):
            do {
                try EndpointChanges.validate(url: credentials.tokenURL)
            } catch {
                throw .invalid("\(path).tokenUrl is not a valid http or https URL", field: "\(path).tokenUrl")
            }
            try secret(credentials.clientID, "clientId")
            try secret(credentials.clientSecret, "clientSecret")
            for (key, value) in [("scope", credentials.scope), ("audience", credentials.audience)] {
                if let value { _ = try JSONFieldReader.checked(value, field: "\(path).\(key)") }
            }
        }
    }

    /// The auth as the API shows it: its type and what is not secret.
    public var publicJSON: JSONValue {
        var object = JSONObject()
        switch self {
        case .basic(let username, _):
            object.append("type", .string("basic"))
            object.append("username", .string(username))
        case .bearer:
            object.append("type", .string("bearer"))
        case .apiKey(let header, _):
            object.append("type", .string("apiKey"))
            object.append("header", .string(header))
        case .oauth2(let credentials):
            object.append("type", .string("oauth2"))
            object.append("tokenUrl", .string(credentials.tokenURL))
            object.append("clientId", .string(credentials.clientID))
            if let scope = credentials.scope { object.append("scope", .string(scope)) }
            if let audience = credentials.audience { object.append("audience", .string(audience)) }
        }
        return .object(object)
    }

    /// The auth with its credentials, as the stores keep it (and as it is written to the API).
    public var storedJSON: JSONValue {
        guard case .object(var object) = publicJSON else { return publicJSON }
        switch self {
        case .basic(_, let password): object.append("password", .string(password))
        case .bearer(let token): object.append("token", .string(token))
        case .apiKey(_, let value): object.append("value", .string(value))
        case .oauth2(let credentials): object.append("clientSecret", .string(credentials.clientSecret))
        }
        return .object(object)
    }
}
