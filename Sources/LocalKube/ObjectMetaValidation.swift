import KubernetesModel

/// The parts of `metadata` the server checks besides the name, labels and annotations:
/// `generateName` (on create, by the kind's name rule for a prefix), `ownerReferences`
/// (apiVersion with a version, kind, name, uid; one controller at most) and `finalizers`
/// (qualified names; orphan and foregroundDeletion not both; for built-in kinds a name without
/// `/` must be a standard finalizer — core validation's extra per-index check).
enum ObjectMetaValidation {
    static let standardFinalizers: Set<String> = ["kubernetes", "orphan", "foregroundDeletion"]

    /// `generateName` checked as a prefix (a trailing dash masked as the server masks it).
    static func generateNameCauses(_ object: JSONValue, type: ResourceType) -> [KubeStatus.Cause] {
        guard let prefix = object["metadata"]["generateName"].stringValue, !prefix.isEmpty else { return [] }
        var masked = prefix
        if masked.utf8.count > 1, masked.hasSuffix("-") { masked = String(masked.dropLast(2)) + "a" }
        var errors = FieldErrors()
        let field = "metadata.generateName"
        switch (type.group, type.plural) {
        case ("", "namespaces"):
            if masked.utf8.count > 63 { errors.invalid(field, .string(prefix), "must be no more than 63 characters") }
            if !ObjectValidation.hasLabelForm(masked) { errors.invalid(field, .string(prefix), ObjectValidation.labelMessage) }
        case ("", "services"):
            if masked.utf8.count > 63 { errors.invalid(field, .string(prefix), "must be no more than 63 characters") }
            if !ObjectValidation.isDNS1035Label(String(masked.prefix(63))) { errors.invalid(field, .string(prefix), ObjectValidation.dns1035Message) }
        case ("rbac.authorization.k8s.io", _), ("apiextensions.k8s.io", _):
            break
        default:
            if masked.utf8.count > 253 { errors.invalid(field, .string(prefix), "must be no more than 253 characters") }
            if !ObjectValidation.isSubdomain(String(masked.prefix(253))) { errors.invalid(field, .string(prefix), ObjectValidation.subdomainMessage) }
        }
        return errors.causes
    }

    /// ownerReferences and finalizers, in the server's order; `creating` adds the checks only create makes.
    static func causes(_ object: JSONValue, type: ResourceType, creating: Bool) -> [KubeStatus.Cause] {
        var errors = FieldErrors()
        ownerReferences(object["metadata"]["ownerReferences"].arrayValue ?? [], errors: &errors)
        let finalizers = (object["metadata"]["finalizers"].arrayValue ?? []).map { $0.stringValue ?? "" }
        if creating {
            for finalizer in finalizers {
                for message in LabelValidation.qualifiedNameErrors(finalizer) { errors.invalid("metadata.finalizers", .string(finalizer), message) }
            }
            if finalizers.contains("orphan"), finalizers.contains("foregroundDeletion") {
                errors.invalid("metadata.finalizers", .go(GoSyntax.stringSlice(.array(finalizers.map { .string($0) }))),
                               "finalizer orphan and foregroundDeletion cannot be both set")
            }
        }
        if !type.isCustom, type.group != "apiextensions.k8s.io", type.group != "apiregistration.k8s.io" {
            for (i, finalizer) in finalizers.enumerated() {
                let field = "metadata.finalizers[\(i)]"
                let messages = LabelValidation.qualifiedNameErrors(finalizer)
                for message in messages { errors.invalid(field, .string(finalizer), message) }
                if messages.isEmpty, !finalizer.contains("/"), !standardFinalizers.contains(finalizer) {
                    errors.invalid(field, .string(finalizer), "name is neither a standard finalizer name nor is it fully qualified")
                }
            }
        }
        return errors.causes
    }

    /// `ValidateOwnerReferences` (fields reported without the index, as the server does).
    private static func ownerReferences(_ references: [JSONValue], errors: inout FieldErrors) {
        let path = "metadata.ownerReferences"
        var firstController: String?
        for reference in references {
            let apiVersion = reference["apiVersion"].stringValue ?? ""
            let kind = reference["kind"].stringValue ?? ""
            let name = reference["name"].stringValue ?? ""
            let uid = reference["uid"].stringValue ?? ""
            let slashes = apiVersion.filter { $0 == "/" }.count
            let version = slashes == 0 ? apiVersion : slashes == 1 ? String(apiVersion.split(separator: "/", omittingEmptySubsequences: false)[1]) : ""
            if version.isEmpty { errors.invalid("\(path).apiVersion", .string(apiVersion), "version must not be empty") }
            if kind.isEmpty { errors.invalid("\(path).kind", .string(kind), "kind must not be empty") }
            if name.isEmpty { errors.invalid("\(path).name", .string(name), "name must not be empty") }
            if uid.isEmpty { errors.invalid("\(path).uid", .string(uid), "uid must not be empty") }
            if reference["controller"].boolValue == true {
                let current = "\(kind)/\(name)"
                if let first = firstController {
                    errors.invalid(path, .go(goReferences(references)),
                                   "Only one reference can have Controller set to true. Found \"true\" in references for \(first) and \(current)")
                } else {
                    firstController = current
                }
            }
        }
    }

    /// `[]v1.OwnerReference{…}` as `%#v` prints it; pointers get stand-in addresses (the
    /// conformance normaliser turns the server's and these into `<ptr>`).
    private static func goReferences(_ references: [JSONValue]) -> String {
        var pointers = GoSyntax.Pointers(from: 0xc000a10060, step: 8)
        func pointer(_ value: JSONValue) -> String { pointers.pointer("bool", set: !value.isNull) }
        return "[]v1.OwnerReference{" + references.map { r in
            "v1.OwnerReference{APIVersion:\(GoSyntax.quote(r["apiVersion"].stringValue ?? "")), Kind:\(GoSyntax.quote(r["kind"].stringValue ?? "")), "
                + "Name:\(GoSyntax.quote(r["name"].stringValue ?? "")), UID:\(GoSyntax.quote(r["uid"].stringValue ?? "")), "
                + "Controller:\(pointer(r["controller"])), BlockOwnerDeletion:\(pointer(r["blockOwnerDeletion"]))}"
        }.joined(separator: ", ") + "}"
    }
}
