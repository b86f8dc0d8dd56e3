import KubernetesModel

/// One object of a kept rendering: who it is, known without parsing it, and the object itself,
/// parsed only when it is needed (an apply, a drift check that found a new version). A resync
/// of an unchanged addon needs only who its objects are.
struct RenderedObject: Sendable {
    let groupVersionKind: GroupVersionKind
    let namespace: String?
    let name: String
    private let parsed: KubeObject?
    /// The kept JSON text, one copy for every object of the fleet rendered the same (`KeptTexts`).
    let keptText: KeptTexts.Text?

    /// An object just rendered (already parsed).
    init(_ object: KubeObject) {
        groupVersionKind = object.groupVersionKind.shared
        namespace = object.namespace
        name = object.name
        parsed = object
        keptText = nil
    }

    /// An object kept as its JSON text, with who it is.
    init(keeping object: KubeObject) {
        groupVersionKind = object.groupVersionKind.shared
        namespace = object.namespace
        name = object.name
        parsed = nil
        keptText = KeptTexts.shared.text(object.body.serialized())
    }

    var reference: ObjectReference { ObjectReference(groupKind: groupVersionKind.groupKind, namespace: namespace, name: name) }

    /// The object (parsed from the kept text on each call: callers hold on to it while they need it).
    var object: KubeObject { parsed ?? KubeObject((try? keptText?.json.parsed()) ?? .null) }

    /// The kept form of this object (its text, not the parsed tree).
    var kept: RenderedObject { parsed.map { RenderedObject(keeping: $0) } ?? self }
}
