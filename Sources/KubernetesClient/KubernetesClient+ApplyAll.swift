import KubernetesModel
import Logging

/// The outcome of applying one object of a set.
public struct ApplyResult: Sendable {
    /// The object as given.
    public var object: KubeObject
    /// What the server stored (or would store, on a dry run), or why it refused.
    public var result: Result<KubeObject, KubernetesError>

    public init(object: KubeObject, result: Result<KubeObject, KubernetesError>) {
        self.object = object
        self.result = result
    }

    public var reference: ObjectReference { object.reference }
    public var error: KubernetesError? {
        if case .failure(let error) = result { return error }
        return nil
    }
}

extension KubernetesClient {
    /// Applies a set of objects as fast as the server allows: checks every object first (kind,
    /// name, a kind the server or a CRD of the set serves — otherwise nothing is applied and this
    /// throws), then applies Namespaces and CRDs, waits for those CRDs to be Established and
    /// refreshes discovery, then applies everything else concurrently (over one HTTP/2 connection
    /// when the server offers it). Returns one result per object, in the order given.
    public func applyAll(_ objects: [KubeObject], options: ApplyOptions, establishTimeout: Duration = .seconds(60),
                         maxConcurrentRequests: Int = 64) async throws -> [ApplyResult] {
        // 1. Every object must be complete and of a kind we can resolve.
        let crdKind = GroupKind(group: "apiextensions.k8s.io", kind: "CustomResourceDefinition")
        var definedByBatch: Set<GroupVersionKind> = []
        for object in objects where object.groupVersionKind.groupKind == crdKind {
            let group = object.spec["group"].stringValue ?? ""
            let kind = object.spec["names"]["kind"].stringValue ?? ""
            for version in object.spec["versions"].arrayValue ?? [] {
                if let name = version["name"].stringValue { definedByBatch.insert(GroupVersionKind(group: group, version: name, kind: kind)) }
            }
        }
        var unknown: [String] = []
        var needsBatchCRD: Set<Int> = []
        var known: [GroupVersionKind: Bool] = [:]
        for (index, object) in objects.enumerated() {
            guard !object.apiVersion.isEmpty, !object.kind.isEmpty, !object.name.isEmpty else {
                throw KubernetesError(kind: .invalidObject, context: context(verb: "apply", object: object.name.isEmpty ? nil : object.reference),
                                      message: "object \(index + 1) of the set has no \(object.apiVersion.isEmpty ? "apiVersion" : object.kind.isEmpty ? "kind" : "metadata.name")")
            }
            let gvk = object.groupVersionKind
            if definedByBatch.contains(gvk) {
                if (try? await discovery.apis())?.resource(for: gvk) == nil { needsBatchCRD.insert(index) }
                continue
            }
            if known[gvk] == nil {
                do {
                    _ = try await resource(for: gvk)
                    known[gvk] = true
                } catch let error as KubernetesError where error.kind == .unknownKind {
                    known[gvk] = false
                }
            }
            if known[gvk] == false { unknown.append("\(object.reference) (\(gvk.apiVersion))") }
        }
        if !unknown.isEmpty {
            throw KubernetesError(kind: .unknownKind, context: context(verb: "apply"),
                                  message: "the server does not serve the kind of \(unknown.joined(separator: ", ")); nothing was applied")
        }

        // 2. Namespaces and CRDs first.
        var results = [Result<KubeObject, KubernetesError>?](repeating: nil, count: objects.count)
        let first = objects.indices.filter { objects[$0].groupVersionKind.groupKind == crdKind || objects[$0].groupVersionKind.groupKind == GroupKind(group: "", kind: "Namespace") }
        for (index, outcome) in try await applyConcurrently(first.map { ($0, objects[$0]) }, options: options, limit: maxConcurrentRequests) {
            results[index] = outcome
        }
        // 3. Wait for the CRDs of the set; refresh discovery. A CRD that does not become
        // Established fails its custom resources, not the whole set.
        let appliedCRDs = first.filter { objects[$0].groupVersionKind.groupKind == crdKind && (try? results[$0]?.get()) != nil }
        var notEstablished: [GroupKind: KubernetesError] = [:]
        if !appliedCRDs.isEmpty && !options.dryRun {
            let failures = await withTaskGroup(of: (GroupKind, KubernetesError?).self) { group in
                for index in appliedCRDs {
                    let crd = objects[index]
                    let defines = GroupKind(group: crd.spec["group"].stringValue ?? "", kind: crd.spec["names"]["kind"].stringValue ?? "")
                    group.addTask {
                        do {
                            try await self.waitForEstablished(crdName: crd.name, timeout: establishTimeout)
                            return (defines, nil)
                        } catch let error as KubernetesError {
                            return (defines, error)
                        } catch {
                            return (defines, KubernetesError(kind: .timeout, message: "\(error)"))
                        }
                    }
                }
                var failures: [GroupKind: KubernetesError] = [:]
                for await (defines, error) in group { if let error { failures[defines] = error } }
                return failures
            }
            try Task.checkCancellation()
            notEstablished = failures
            try await refreshDiscovery()
        }
        // 4. Everything else, concurrently.
        var rest: [(Int, KubeObject)] = []
        for index in objects.indices where results[index] == nil {
            if let error = notEstablished[objects[index].groupVersionKind.groupKind] {
                results[index] = .failure(KubernetesError(kind: .unknownKind, context: context(verb: "apply", object: objects[index].reference),
                                                          message: "its CustomResourceDefinition did not become Established: \(error.message)"))
                continue
            }
            if options.dryRun && needsBatchCRD.contains(index) {
                results[index] = .failure(KubernetesError(kind: .unknownKind, context: context(verb: "apply", object: objects[index].reference),
                                                          message: "its CustomResourceDefinition is part of this set and not installed yet (dry run)"))
                continue
            }
            rest.append((index, objects[index]))
        }
        for (index, outcome) in try await applyConcurrently(rest, options: options, limit: maxConcurrentRequests) {
            results[index] = outcome
        }
        return objects.indices.map { ApplyResult(object: objects[$0], result: results[$0]!) }
    }

    private func applyConcurrently(_ items: [(Int, KubeObject)], options: ApplyOptions, limit: Int) async throws -> [(Int, Result<KubeObject, KubernetesError>)] {
        try await withThrowingTaskGroup(of: (Int, Result<KubeObject, KubernetesError>).self) { group in
            var next = 0
            var collected: [(Int, Result<KubeObject, KubernetesError>)] = []
            collected.reserveCapacity(items.count)
            // At most `limit` requests in flight: start that many, then one more per answer.
            while next < items.count, next < max(1, limit) {
                let (index, object) = items[next]
                next += 1
                group.addTask { try await self.applyOutcome(index, object, options: options) }
            }
            while let outcome = try await group.next() {
                collected.append(outcome)
                if next < items.count {
                    let (index, object) = items[next]
                    next += 1
                    group.addTask { try await self.applyOutcome(index, object, options: options) }
                }
            }
            return collected
        }
    }

    /// One apply; a Kubernetes error is an outcome, anything else (cancellation) ends the set.
    private func applyOutcome(_ index: Int, _ object: KubeObject, options: ApplyOptions) async throws -> (Int, Result<KubeObject, KubernetesError>) {
        do {
            return (index, .success(try await apply(object, options: options)))
        } catch let error as KubernetesError {
            return (index, .failure(error))
        }
    }
}
