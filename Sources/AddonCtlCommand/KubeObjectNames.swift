import KubernetesClient
import KubernetesModel

/// How kubectl names objects in its output: `deployment.apps/web`, `configmap/settings`.
enum KubeObjectNames {
    static func typeName(kind: String, group: String) -> String {
        let lowered = kind.lowercased()
        return group.isEmpty ? lowered : "\(lowered).\(group)"
    }

    static func slashName(_ object: KubeObject) -> String {
        "\(typeName(kind: object.kind, group: object.groupVersionKind.group))/\(object.name)"
    }

    /// `configmap "x"` (delete messages).
    static func quotedName(_ resource: APIResource, name: String) -> String {
        "\(typeName(kind: resource.kind, group: resource.groupVersion.group)) \"\(name)\""
    }
}
