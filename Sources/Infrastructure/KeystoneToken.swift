import Foundation

/// A Keystone v3 token: the value for `X-Auth-Token`, its lifetime, and the service catalog it came with.
struct KeystoneToken: Sendable {
    let value: String
    let catalog: ServiceCatalog
    /// When the provider asks for a new one (monotonic clock: immune to a wrong wall clock).
    let renewAt: ContinuousClock.Instant
    let expiresAt: Date?

    /// The lifetime a token is used for: its own (`expires_at - issued_at`, so a skewed local clock
    /// does not matter) less `margin`, or half of it for short-lived tokens. Without dates: one hour.
    static func usableLifetime(issuedAt: Date?, expiresAt: Date?, margin: Duration) -> Duration {
        guard let issuedAt, let expiresAt else { return .seconds(3600) }
        let lifetime = Duration.seconds(max(0, expiresAt.timeIntervalSince(issuedAt)))
        return lifetime > margin * 2 ? lifetime - margin : lifetime / 2
    }

    /// The body of `POST /v3/auth/tokens`. Password auth is scoped to the project; an application
    /// credential carries its own scope (Keystone refuses a scope with it).
    static func requestBody(for method: OpenStackCredentials.Method) -> [String: Any] {
        let identity: [String: Any]
        var auth: [String: Any] = [:]
        switch method {
        case .applicationCredential(let id, let secret):
            identity = ["methods": ["application_credential"], "application_credential": ["id": id, "secret": secret]]
        case .applicationCredentialByName(let name, let secret, let username, let domain):
            identity = [
                "methods": ["application_credential"],
                "application_credential": ["name": name, "secret": secret, "user": ["name": username, "domain": ["name": domain]]],
            ]
        case .password(let username, let password, let userDomain, let project, let projectDomain):
            identity = [
                "methods": ["password"],
                "password": ["user": ["name": username, "domain": ["name": userDomain], "password": password]],
            ]
            auth["scope"] = ["project": ["name": project, "domain": ["name": projectDomain]]]
        }
        auth["identity"] = identity
        return ["auth": auth]
    }

    /// The answer of `POST /v3/auth/tokens` (the token itself is the `X-Subject-Token` header).
    struct Response: Decodable {
        struct Token: Decodable {
            var expires_at: String?
            var issued_at: String?
            var catalog: [ServiceCatalog.Service]?
        }
        var token: Token
    }
}

/// The service catalog of a token: where each service of the cloud answers.
struct ServiceCatalog: Sendable, Equatable {
    struct Service: Decodable, Sendable, Equatable {
        var type: String
        var name: String?
        var endpoints: [Endpoint]
    }
    struct Endpoint: Decodable, Sendable, Equatable {
        var interface: String
        var region: String?
        var region_id: String?
        var url: String
    }

    var services: [Service]

    /// The URL of the service of that type (`compute`, `image`, `network`) for the interface and
    /// region; without a region, the only region that has one (or the first listed). No trailing slash.
    func endpoint(type: String, region: String?, interface: String) -> String? {
        let wanted = OpenStackCredentials.normalisedInterface(interface)
        let candidates = services.filter { $0.type == type }.flatMap(\.endpoints).filter {
            OpenStackCredentials.normalisedInterface($0.interface) == wanted
        }
        let chosen: Endpoint?
        if let region {
            chosen = candidates.first { $0.region_id == region || $0.region == region }
        } else {
            chosen = candidates.first
        }
        guard var url = chosen?.url else { return nil }
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }
}

/// OpenStack's timestamps: `2026-12-03T11:33:41.000000Z` (Keystone, microseconds), `2026-12-03T11:33:41Z`
/// (Nova), sometimes without a zone (UTC is meant).
enum OpenStackTime {
    static func parse(_ text: String) -> Date? {
        var base = text
        var fraction = 0.0
        var zone = "Z"
        if base.hasSuffix("Z") {
            base.removeLast()
        } else if let sign = base.lastIndex(where: { $0 == "+" || $0 == "-" }), base.distance(from: sign, to: base.endIndex) == 6,
                  base[base.index(sign, offsetBy: 3)] == ":" {
            zone = String(base[sign...])
            base = String(base[..<sign])
        }
        if let dot = base.firstIndex(of: ".") {
            fraction = Double("0" + base[dot...]) ?? 0
            base = String(base[..<dot])
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let date = formatter.date(from: base + zone) else { return nil }
        return date.addingTimeInterval(fraction)
    }
}
