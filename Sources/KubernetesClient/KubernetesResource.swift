import KubernetesModel

/// A typed view of one of our own kinds (an addon-manager custom resource): a Swift type that
/// reads itself from and writes itself to an unstructured object. The client's typed methods
/// below are thin wrappers over the untyped ones.
public protocol KubernetesResource: Sendable {
    static var groupVersionKind: GroupVersionKind { get }
    /// Reads the typed value; throws when the object does not fit.
    init(object: KubeObject) throws
    /// The object to send (apiVersion, kind and metadata.name set).
    var object: KubeObject { get }
}

extension ObjectReader {
    public func get<Resource: KubernetesResource>(_ type: Resource.Type, name: String, namespace: String?) async throws -> Resource {
        try Resource(object: try await get(Resource.groupVersionKind, name: name, namespace: namespace))
    }

    public func list<Resource: KubernetesResource>(_ type: Resource.Type, namespace: String?, options: ListOptions = ListOptions()) async throws -> [Resource] {
        try await list(Resource.groupVersionKind, namespace: namespace, options: options).items.map(Resource.init(object:))
    }
}

extension ObjectWriter {
    public func apply<Resource: KubernetesResource>(_ resource: Resource, options: ApplyOptions) async throws -> Resource {
        try Resource(object: try await apply(resource.object, options: options))
    }
}

extension StatusWriter {
    public func applyStatus<Resource: KubernetesResource>(_ resource: Resource, options: ApplyOptions) async throws -> Resource {
        try Resource(object: try await applyStatus(resource.object, options: options))
    }
}
