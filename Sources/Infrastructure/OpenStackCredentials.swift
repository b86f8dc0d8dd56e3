import Foundation

/// How the OpenStack provider authenticates to Keystone v3, and which endpoints of the catalog it uses.
///
/// Descriptions and mirrors never show the password or the application credential secret.
public struct OpenStackCredentials: Sendable, Equatable {
    public enum Method: Sendable, Equatable {
        /// An application credential by its ID (the recommended way: scoped to its project, revocable).
        case applicationCredential(id: String, secret: String)
        /// An application credential by its name and its user's name and domain.
        case applicationCredentialByName(name: String, secret: String, username: String, userDomainName: String)
        /// A user's password, scoped to a project.
        case password(username: String, password: String, userDomainName: String, projectName: String, projectDomainName: String)
    }

    /// Keystone's URL, with or without the `/v3` suffix.
    public var authURL: String
    public var method: Method
    /// The catalog region; nil takes the only region the catalog lists for a service (or the first).
    public var regionName: String?
    /// `public` (default), `internal` or `admin` (the `URL` suffix of older files is accepted).
    public var interface: String

    public init(authURL: String, method: Method, regionName: String? = nil, interface: String = "public") {
        self.authURL = authURL
        self.method = method
        self.regionName = regionName
        self.interface = Self.normalisedInterface(interface)
    }

    /// From the data of a Kubernetes Secret (values already decoded). Keys:
    ///
    /// - `auth_url` (required): Keystone, e.g. `https://keystone.example:5000/v3`.
    /// - `application_credential_id` + `application_credential_secret`; or
    ///   `application_credential_name` + `application_credential_secret` + `username` (+ `user_domain_name`);
    /// - or `username` + `password` + `project_name` (+ `user_domain_name`, `project_domain_name`,
    ///   both `Default` when absent).
    /// - `region_name`, `interface` (`public` when absent).
    ///
    /// An application credential wins when both kinds are present.
    public init(secretData: [String: String]) throws(ProviderError) {
        func value(_ key: String) -> String? {
            guard let raw = secretData[key]?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else { return nil }
            return raw
        }
        func missing(_ what: String) -> ProviderError {
            ProviderError(kind: .configuration, operation: "read OpenStack credentials", message: "missing \(what)")
        }
        guard let authURL = value("auth_url") else { throw missing("auth_url") }
        let userDomain = value("user_domain_name") ?? "Default"
        let method: Method
        if let secret = value("application_credential_secret") {
            if let id = value("application_credential_id") {
                method = .applicationCredential(id: id, secret: secret)
            } else if let name = value("application_credential_name") {
                guard let username = value("username") else { throw missing("username (for application_credential_name)") }
                method = .applicationCredentialByName(name: name, secret: secret, username: username, userDomainName: userDomain)
            } else {
                throw missing("application_credential_id or application_credential_name")
            }
        } else if let username = value("username") {
            guard let password = value("password") else { throw missing("password") }
            guard let project = value("project_name") else { throw missing("project_name") }
            method = .password(
                username: username, password: password, userDomainName: userDomain, projectName: project,
                projectDomainName: value("project_domain_name") ?? "Default")
        } else {
            throw missing("application_credential_secret, or username and password")
        }
        self.init(authURL: authURL, method: method, regionName: value("region_name"), interface: value("interface") ?? "public")
    }

    /// From one cloud of a `clouds.yaml` (already parsed): `auth` holds the `auth_url` and
    /// credential keys above, `region_name` and `interface` sit beside it.
    public init(cloud: [String: any Sendable]) throws(ProviderError) {
        var flat: [String: String] = [:]
        if let auth = cloud["auth"] as? [String: any Sendable] {
            for (key, value) in auth { flat[key] = "\(value)" }
        }
        for key in ["region_name", "interface"] {
            if let value = cloud[key] { flat[key] = "\(value)" }
        }
        try self.init(secretData: flat)
    }

    /// From `OS_*` variables (an openrc file sourced into the environment).
    public init(environment: [String: String]) throws(ProviderError) {
        var flat: [String: String] = [:]
        for (key, value) in environment where key.hasPrefix("OS_") {
            flat[String(key.dropFirst(3)).lowercased()] = value
        }
        try self.init(secretData: flat)
    }

    /// `publicURL` → `public`.
    static func normalisedInterface(_ interface: String) -> String {
        let lower = interface.lowercased()
        return lower.hasSuffix("url") ? String(lower.dropLast(3)) : lower
    }

    /// Keystone's token URL.
    var tokensURL: String {
        var base = authURL
        while base.hasSuffix("/") { base.removeLast() }
        if !base.hasSuffix("/v3") { base += "/v3" }
        return base + "/auth/tokens"
    }

    /// Who authenticates, for logs and errors (no secret).
    var principal: String {
        switch method {
        case .applicationCredential(let id, _): return "application credential \(id)"
        case .applicationCredentialByName(let name, _, let user, let domain): return "application credential \(name) of \(user)@\(domain)"
        case .password(let user, _, let domain, let project, _): return "user \(user)@\(domain) in project \(project)"
        }
    }
}

extension OpenStackCredentials: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "OpenStackCredentials(\(principal) <secret redacted>, \(authURL), region \(regionName ?? "any"), \(interface))"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["credentials": description]) }
}

extension OpenStackCredentials.Method: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        switch self {
        case .applicationCredential(let id, _): return "applicationCredential(\(id), <redacted>)"
        case .applicationCredentialByName(let name, _, let user, let domain): return "applicationCredentialByName(\(name), <redacted>, \(user)@\(domain))"
        case .password(let user, _, let domain, let project, let projectDomain):
            return "password(\(user)@\(domain), <redacted>, project \(project)@\(projectDomain))"
        }
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["method": description]) }
}
