import AddonCatalog
import Foundation
import KubernetesClient
import KubernetesModel
import Logging

/// Keeps the installation's `ContentHashKey` in a Secret of the manager's namespace
/// (`addon-manager-content-hash-key`, data key `key`): the first replica to start creates it
/// with a random key, every other replica and every restart reads it. A replica reads it once,
/// at start. To rotate it, delete the Secret and restart every replica: the first to start makes
/// a new key, and each addon is applied once more (its content unchanged: a no-op apply)
/// because its stored hash no longer matches. (Replicas left running keep the old key, and a
/// cluster moving between replicas with different keys is applied again at each move.)
public struct ContentHashKeyStore: Sendable {
    public static let secretName = "addon-manager-content-hash-key"
    public static let dataKey = "key"

    let client: any KubeClient
    let namespace: String

    public init(client: any KubeClient, namespace: String) {
        self.client = client
        self.namespace = namespace
    }

    /// The Secret as namespace/name, for messages.
    private var secretPath: String { "\(namespace)/\(Self.secretName)" }

    /// The stored key; a new one, stored, when there is none. Two replicas starting at once
    /// agree: the one whose create loses reads the winner's.
    public func loadOrCreate(logger: Logger) async throws -> ContentHashKey {
        if let key = try await load() { return key }
        let key = ContentHashKey.random()
        var secret = KubeObject(apiVersion: "v1", kind: "Secret", name: Self.secretName, namespace: namespace)
        secret.labels = [OwnershipLabels.managedByKey: OwnershipLabels.managedByValue]
        secret["type"] = "Opaque"
        secret["data"] = [Self.dataKey: .string(Data(key.bytes).base64EncodedString())]
        do {
            _ = try await client.create(secret, options: WriteOptions(fieldManager: OwnershipLabels.fieldManager))
            logger.notice("created the key of applied-content hashes", metadata: ["secret": "\(secretPath)"])
            return key
        } catch let error as KubernetesError where error.isAlreadyExists {
            guard let stored = try await load() else { throw ContentHashKeyError(.vanished, secret: secretPath) }
            return stored
        } catch let error as KubernetesError {
            throw ContentHashKeyError(.cannotCreate, secret: secretPath, cause: error)
        }
    }

    /// The stored key, nil when the Secret does not exist.
    public func load() async throws -> ContentHashKey? {
        let secret: KubeObject
        do {
            secret = try await client.get(ManagementKinds.secret, name: Self.secretName, namespace: namespace)
        } catch let error as KubernetesError where error.isNotFound {
            return nil
        } catch let error as KubernetesError {
            throw ContentHashKeyError(.cannotRead, secret: secretPath, cause: error)
        }
        guard let encoded = secret["data"][Self.dataKey].stringValue, let data = Data(base64Encoded: encoded),
              let key = ContentHashKey(bytes: Array(data))
        else {
            throw ContentHashKeyError(.malformed, secret: secretPath)
        }
        return key
    }
}

/// The key of applied-content hashes could not be read or stored; the manager does not start
/// without it (with another key it would apply every addon again).
public struct ContentHashKeyError: Error, Sendable, CustomStringConvertible {
    fileprivate enum Code: Sendable { case cannotRead, cannotCreate, malformed, vanished }
    private let code: Code
    /// The Secret, as namespace/name.
    public let secret: String
    public let cause: KubernetesError?

    fileprivate init(_ code: Code, secret: String, cause: KubernetesError? = nil) {
        self.code = code
        self.secret = secret
        self.cause = cause
    }

    public var description: String {
        switch code {
        case .cannotRead:
            return "cannot read Secret \(secret), the key of applied-content hashes: \(cause.map { "\($0)" } ?? "")"
        case .cannotCreate:
            return "cannot create Secret \(secret), the key of applied-content hashes (the manager needs get and create on Secrets in its namespace): \(cause.map { "\($0)" } ?? "")"
        case .malformed:
            return "Secret \(secret) has no data.\(ContentHashKeyStore.dataKey) of at least \(ContentHashKey.byteCount) bytes (base64): delete it and a new key is made at the next start (every addon is then applied once more)"
        case .vanished:
            return "Secret \(secret) was created by another replica and then could not be found: start again"
        }
    }
}
