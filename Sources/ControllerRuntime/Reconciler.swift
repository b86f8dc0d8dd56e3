/// What a reconciler is asked to do: bring one object (by namespace and name) to its desired state.
public struct ReconcileRequest: Hashable, Sendable, CustomStringConvertible {
    public var namespace: String?
    public var name: String

    public init(namespace: String?, name: String) {
        self.namespace = (namespace?.isEmpty ?? true) ? nil : namespace
        self.name = name
    }

    public var description: String { namespace.map { "\($0)/\(name)" } ?? name }
}

/// The outcome of one reconcile: done, or look again after a while (polling health, waiting
/// for a rollout). Errors are thrown instead, and retried with backoff.
public enum ReconcileResult: Sendable, Equatable {
    case done
    case requeue(after: Duration)
}

/// One entry point, taking only a name and namespace (controller-runtime's shape). All queue
/// policy (backoff on error, forget on success, delayed requeue, terminal errors not retried)
/// lives in `Controller`, not here.
public protocol Reconciler: Sendable {
    func reconcile(_ request: ReconcileRequest) async throws -> ReconcileResult
}

/// An error that retrying cannot fix (invalid input): logged and counted, not requeued. The
/// object is reconciled again when it changes.
public struct TerminalError: Error, CustomStringConvertible {
    public var underlying: any Error

    public init(_ underlying: any Error) { self.underlying = underlying }

    public var description: String { "\(underlying)" }
}
