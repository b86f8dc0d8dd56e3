import AddonCatalog
import KubernetesClient
import KubernetesModel
import Logging

/// Applies a rendered addon to a workload cluster with server-side apply (field manager
/// `addon-manager`): namespaces and CRDs first, then — once every CRD is Established and
/// discovery is refreshed — everything else, all requests of a phase in parallel over the
/// cluster's one HTTP/2 connection. Conflict policy `overwrite` forces; `preserve` leaves each
/// conflicting field to its other manager, applies the rest and reports the conflict.
public struct AddonApplier: Sendable {
    public struct Conflict: Sendable, Hashable {
        public var object: ObjectReference
        public var field: String
        public var manager: String
    }

    public struct Outcome: Sendable {
        /// The server's answer for each applied object, in the order applied.
        public var applied: [KubeObject]
        /// Fields left to other managers (policy `preserve`).
        public var conflicts: [Conflict]
    }

    let client: KubernetesClient
    let logger: Logger

    public init(client: KubernetesClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Applies every object or throws `ApplyFailure` naming each object that failed (the others
    /// may have been applied: the caller must not prune after a failure).
    public func apply(_ objects: [KubeObject], addon: String, policy: ConflictPolicy) async throws -> Outcome {
        let first = objects.filter { Self.isFoundation($0) }
        let rest = objects.filter { !Self.isFoundation($0) }
        var outcome = Outcome(applied: [], conflicts: [])
        var failures: [ApplyFailure.ObjectFailure] = []

        try await applyPhase(first, policy: policy, into: &outcome, failures: &failures)
        guard failures.isEmpty else { throw ApplyFailure(addon: addon, failures: failures) }
        let crds = first.filter { $0.groupVersionKind.groupKind == ManagementKinds.customResourceDefinition.groupKind }
        if !crds.isEmpty {
            for crd in crds { try await client.waitForEstablished(crdName: crd.name) }
            _ = try await client.refreshDiscovery()
        }
        try await applyPhase(rest, policy: policy, into: &outcome, failures: &failures)
        guard failures.isEmpty else { throw ApplyFailure(addon: addon, failures: failures) }
        return outcome
    }

    /// Namespaces and CRDs: what the rest needs to exist first.
    static func isFoundation(_ object: KubeObject) -> Bool {
        let gk = object.groupVersionKind.groupKind
        return gk == ManagementKinds.namespace.groupKind || gk == ManagementKinds.customResourceDefinition.groupKind
    }

    private func applyPhase(_ objects: [KubeObject], policy: ConflictPolicy, into outcome: inout Outcome, failures: inout [ApplyFailure.ObjectFailure]) async throws {
        guard !objects.isEmpty else { return }
        let results = await withTaskGroup(of: (Int, Result<(KubeObject, [Conflict]), any Error>).self) { group in
            for (i, object) in objects.enumerated() {
                group.addTask {
                    do {
                        return (i, .success(try await self.applyOne(object, policy: policy)))
                    } catch {
                        return (i, .failure(error))
                    }
                }
            }
            var results: [(Int, Result<(KubeObject, [Conflict]), any Error>)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }
        }
        for (i, result) in results {
            switch result {
            case .success(let (applied, conflicts)):
                outcome.applied.append(applied)
                outcome.conflicts.append(contentsOf: conflicts)
            case .failure(let error):
                if error is CancellationError { throw error }
                failures.append(ApplyFailure.ObjectFailure(object: objects[i].reference, error: error))
            }
        }
    }

    private func applyOne(_ object: KubeObject, policy: ConflictPolicy) async throws -> (KubeObject, [Conflict]) {
        let options = ApplyOptions(fieldManager: OwnershipLabels.fieldManager, force: policy == .overwrite)
        do {
            return (try await client.apply(object, options: options), [])
        } catch let error as KubernetesError where error.isApplyConflict && policy == .preserve {
            // Leave the conflicting fields to their managers and apply the rest once more.
            var body = object.body
            var conflicts: [Conflict] = []
            for conflict in error.applyConflicts {
                FieldPathRemoval.remove(conflict.field, from: &body)
                conflicts.append(Conflict(object: object.reference, field: conflict.field, manager: conflict.manager))
            }
            logger.info("apply conflict left to other managers", metadata: ["object": "\(object.reference)", "fields": "\(conflicts.map(\.field))"])
            return (try await client.apply(KubeObject(body), options: options), conflicts)
        }
    }
}

/// An apply that did not complete: which objects failed and why.
public struct ApplyFailure: Error, CustomStringConvertible {
    public struct ObjectFailure: Sendable {
        public var object: ObjectReference
        public var error: any Error
    }

    public var addon: String
    public var failures: [ObjectFailure]

    /// Whether every failure is the cluster being unreachable (then health is Unknown, not Failed).
    public var isUnreachable: Bool {
        failures.allSatisfy { ($0.error as? KubernetesError)?.kind.isTransport ?? false }
    }

    /// Whether any object was refused for the manager's credentials or permissions (401, 403):
    /// the cluster answered, but not as one that accepts who we are.
    public var refusesCredentials: Bool {
        failures.contains { failure in
            guard let kind = (failure.error as? KubernetesError)?.kind else { return false }
            return kind == .unauthorized || kind == .forbidden
        }
    }

    /// Whether retrying cannot help (invalid objects, permanent server rejections).
    public var isPermanent: Bool {
        failures.allSatisfy { failure in
            guard let error = failure.error as? KubernetesError else { return false }
            return [.invalid, .permanentServerError, .badRequest, .unknownKind, .invalidObject, .forbidden].contains(error.kind)
                || (error.isApplyConflict)
        }
    }

    public var description: String {
        let first = failures.prefix(3).map { "\($0.object): \($0.error)" }.joined(separator: "; ")
        let more = failures.count > 3 ? " (and \(failures.count - 3) more)" : ""
        return "applying \(addon) failed for \(failures.count) object(s): \(first)\(more)"
    }
}
