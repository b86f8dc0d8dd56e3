import Foundation

/// A cluster's static users by bearer token (what a token-auth file gives a real server), read on
/// every request without an actor hop. Tokens are secrets: nothing here logs or prints them.
final class UserDirectory: @unchecked Sendable {
    private let lock = NSLock()
    private var byToken: [String: UserInfo] = [:]
    private var uidByName: [String: String] = [:]

    /// A new random token for `name`, in `groups` plus `system:authenticated`; the same name keeps its uid.
    func add(name: String, groups: [String]) -> String {
        let token = Self.randomToken(prefix: "localkube-user-")
        var all = groups
        if !all.contains(UserInfo.authenticatedGroup) { all.append(UserInfo.authenticatedGroup) }
        lock.lock()
        defer { lock.unlock() }
        let uid = uidByName[name] ?? UUID().uuidString.lowercased()
        uidByName[name] = uid
        byToken[token] = UserInfo(name: name, uid: uid, groups: all)
        return token
    }

    func user(token: String) -> UserInfo? {
        lock.lock()
        defer { lock.unlock() }
        return byToken[token]
    }

    /// `prefix` and 48 random hex digits.
    static func randomToken(prefix: String) -> String {
        var bytes = [UInt8](repeating: 0, count: 24)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        return prefix + bytes.map { String(format: "%02x", $0) }.joined()
    }
}

extension LocalKubeCluster {
    /// Add a static user (as a line of a real server's token-auth file) and return a new random
    /// bearer token for it. Requests with the token act as `name` in `groups` plus
    /// `system:authenticated`, each authorized by the cluster's RBAC objects (plus the bootstrap
    /// policy: discovery, health, self access reviews); a TokenReview of it answers that user.
    /// The token is a secret: LocalKube neither logs it nor keeps it in the request log.
    public nonisolated func addUser(name: String, groups: [String] = []) -> String {
        users.add(name: name, groups: groups)
    }

    /// The user a bearer token (the whole `Authorization` header value's token part) stands for:
    /// the admin token is `kubernetes-admin` in `system:masters`; nil for a token this cluster does not know.
    nonisolated func authenticate(token: String) -> UserInfo? {
        if token == self.token { return UserInfo.clusterAdmin }
        return users.user(token: token)
    }
}
