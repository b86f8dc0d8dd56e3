import Foundation
import KubernetesModel

/// A CustomResourceDefinition's spec as apiextensions' `validateCustomResourceDefinitionSpec`
/// checks it, on the internal form the v1 object converts to: the conversion copies
/// `versions[0].name` to `spec.version` and moves per-version schemas, subresources and
/// printer columns that are identical in every version up to the spec (so a one-version CRD's
/// column errors are reported under `spec.additionalPrinterColumns`). Checked, in the server's
/// order: the group, the scope, a schema for each version, version names, unique names and one
/// storage version, the required names and their formats, the printer columns; then the stored
/// versions the strategy derived. The schemas: `CustomResourceSchemaValidation`, per version in
/// the versions loop, or once (`spec.validation`) after the names when hoisted; the scale
/// subresource's paths likewise (`CustomResourceSubresourceValidation`); defaults need
/// `preserveUnknownFields: false`; the conversion (`CustomResourceConversionValidation`). Not
/// checked: deprecation warnings.
enum CustomResourceDefinitionValidation {
    static func errors(_ crd: JSONValue, old: JSONValue? = nil) -> FieldErrors {
        var errors = FieldErrors()
        let spec = crd["spec"]
        let versions = spec["versions"].arrayValue ?? []
        let hoistedSchema = identical(versions.map { $0["schema"] })
        let hoistedSubresources = identical(versions.map { $0["subresources"] })
        let hoistedColumns = identical(versions.map { columns($0) })

        let group = spec["group"].stringValue ?? ""
        if group.isEmpty {
            errors.required("spec.group")
        } else if let messages = ObjectValidation.subdomainErrors(group) {
            errors.invalid("spec.group", .string(group), messages.joined(separator: ","))
        } else if !group.contains(".") {
            errors.invalid("spec.group", .string(group), "should be a domain with at least one dot")
        }
        let scope = spec["scope"].stringValue ?? ""
        if scope.isEmpty {
            errors.required("spec.scope")
        } else if !["Cluster", "Namespaced"].contains(scope) {
            errors.notSupported("spec.scope", scope, ["Cluster", "Namespaced"])
        }
        if spec["preserveUnknownFields"].boolValue == true,
           versions.contains(where: { CustomResourceDefaultValidation.schemaHasDefaults($0["schema"]["openAPIV3Schema"]) }) {
            errors.invalid("spec.preserveUnknownFields", .go("true"), "must be false in order to use defaults in the schema")
        }
        for (i, version) in versions.enumerated() where version["schema"]["openAPIV3Schema"].isNull {
            errors.required("spec.versions[\(i)].schema.openAPIV3Schema", "schemas are required")
        }
        var storageCount = 0
        var names = Set<String>()
        var unique = true
        for (i, version) in versions.enumerated() {
            if version["storage"].boolValue == true { storageCount += 1 }
            let name = version["name"].stringValue ?? ""
            if !names.insert(name).inserted { unique = false }
            if let messages = dns1035Errors(name) {
                errors.invalid("spec.versions[\(i)].name", .string(name), messages.joined(separator: ","))
            }
            if !hoistedSchema, case .object = version["schema"]["openAPIV3Schema"] {
                errors.append(contentsOf: CustomResourceSchemaValidation.errors(version["schema"]["openAPIV3Schema"], at: "spec.versions[\(i)].schema.openAPIV3Schema",
                                                                                statusEnabled: !version["subresources"]["status"].isNull))
            }
            if !hoistedSubresources {
                CustomResourceSubresourceValidation.errors(version["subresources"], at: "spec.versions[\(i)].subresources", into: &errors)
            }
            if !hoistedColumns {
                for (c, column) in columns(version).enumerated() {
                    PrinterColumnValidation.errors(column, at: "spec.versions[\(i)].additionalPrinterColumns[\(c)]", into: &errors)
                }
            }
        }
        let versionsValue = Value.go(goVersions(spec["versions"], hoistedSchema: hoistedSchema,
                                                hoistedSubresources: hoistedSubresources, hoistedColumns: hoistedColumns))
        if !unique { errors.invalid("spec.versions", versionsValue, "must contain unique version names") }
        if storageCount != 1 { errors.invalid("spec.versions", versionsValue, "must have exactly one version marked as storage version") }
        if let first = versions.first?["name"].stringValue, !first.isEmpty, let messages = dns1035Errors(first) {
            errors.invalid("spec.version", .string(first), messages.joined(separator: ","))
        }
        for name in ["plural", "singular", "kind", "listKind"] where (spec["names"][name].stringValue ?? "").isEmpty {
            errors.required("spec.names.\(name)")
        }
        nameErrors(spec["names"], errors: &errors)
        if hoistedSchema, let schema = versions.first?["schema"]["openAPIV3Schema"], case .object = schema {
            errors.append(contentsOf: CustomResourceSchemaValidation.errors(schema, at: "spec.validation.openAPIV3Schema",
                                                                            statusEnabled: versions.contains { !$0["subresources"]["status"].isNull }))
        }
        if hoistedSubresources, let first = versions.first {
            CustomResourceSubresourceValidation.errors(first["subresources"], at: "spec.subresources", into: &errors)
        }
        if hoistedColumns, let first = versions.first {
            for (c, column) in columns(first).enumerated() {
                PrinterColumnValidation.errors(column, at: "spec.additionalPrinterColumns[\(c)]", into: &errors)
            }
        }
        CustomResourceConversionValidation.errors(spec, into: &errors)
        if let old { immutableFieldErrors(spec, old: old, errors: &errors) }
        storedVersionErrors(versions, old: old, errors: &errors)
        apiApprovalErrors(crd, old: old, errors: &errors)
        // `validatePreserveUnknownFields`: v1 has no pruning opt-out at the spec (a CRD that
        // already had one, from v1beta1 days, may keep it).
        if spec["preserveUnknownFields"].boolValue == true, old?["spec"]["preserveUnknownFields"].boolValue != true {
            errors.invalid("spec.preserveUnknownFields", .go("true"), "cannot set to true, set x-preserve-unknown-fields to true in spec.versions[*].schema instead")
        }
        return errors
    }

    /// `validateAPIApproval`: a CRD in a protected community group (`k8s.io`, `kubernetes.io` and
    /// their subdomains) needs the `api-approved.kubernetes.io` annotation, a URL or a reason
    /// starting with "unapproved" — checked when its approval state changes (always on create).
    private static func apiApprovalErrors(_ crd: JSONValue, old: JSONValue?, errors: inout FieldErrors) {
        let group = crd["spec"]["group"].stringValue ?? ""
        guard ["k8s.io", "kubernetes.io"].contains(where: { group == $0 || group.hasSuffix(".\($0)") }) else { return }
        let key = "api-approved.kubernetes.io"
        let annotation = crd["metadata"]["annotations"][key].stringValue ?? ""
        let state = approvalState(annotation)
        if let old, approvalState(old["metadata"]["annotations"][key].stringValue ?? "") == state { return }
        let field = "metadata.annotations[\(key)]"
        switch state {
        case .missing:
            errors.required(field, "protected groups must have approval annotation \"\(key)\", see https://github.com/kubernetes/enhancements/pull/1111")
        case .invalid:
            errors.invalid(field, .string(annotation), "protected groups must have approval annotation \"\(key)\" with either a URL or a reason "
                + "starting with \"unapproved\", see https://github.com/kubernetes/enhancements/pull/1111")
        case .approved, .bypassed:
            break
        }
    }

    private enum ApprovalState { case missing, bypassed, approved, invalid }

    /// `GetAPIApprovalState`: an approval is a URL with a scheme and a host.
    private static func approvalState(_ annotation: String) -> ApprovalState {
        if annotation.isEmpty { return .missing }
        if annotation.hasPrefix("unapproved") { return .bypassed }
        if SchemaStringFormat.isRequestURI(annotation), let url = URLComponents(string: annotation), url.scheme != nil, !(url.host ?? "").isEmpty { return .approved }
        return .invalid
    }

    /// `validateCustomResourceDefinitionSpecUpdate`: the scope and the kind may not change once
    /// the CRD is Established (they decide how objects are stored), the group and the plural
    /// never (they make the resource's name).
    private static func immutableFieldErrors(_ spec: JSONValue, old: JSONValue, errors: inout FieldErrors) {
        let oldSpec = old["spec"]
        let established = (old["status"]["conditions"].arrayValue ?? []).contains { $0["type"] == "Established" && $0["status"] == "True" }
        var fields: [(path: String, new: JSONValue, old: JSONValue)] = []
        if established {
            fields.append(("spec.scope", spec["scope"], oldSpec["scope"]))
            fields.append(("spec.names.kind", spec["names"]["kind"], oldSpec["names"]["kind"]))
        }
        fields.append(("spec.group", spec["group"], oldSpec["group"]))
        fields.append(("spec.names.plural", spec["names"]["plural"], oldSpec["names"]["plural"]))
        for field in fields where (field.new.stringValue ?? "") != (field.old.stringValue ?? "") {
            errors.invalid(field.path, .string(field.new.stringValue ?? ""), "field is immutable")
        }
    }

    typealias Value = FieldErrors.Value

    /// `ValidateCustomResourceDefinitionNames`: plural, singular, short names and categories DNS-1035
    /// labels, kind and listKind too once lowercased, kind and listKind different.
    private static func nameErrors(_ names: JSONValue, errors: inout FieldErrors) {
        for field in ["plural", "singular"] {
            if let value = names[field].stringValue, !value.isEmpty, let messages = dns1035Errors(value) {
                errors.invalid("spec.names.\(field)", .string(value), messages.joined(separator: ","))
            }
        }
        for field in ["kind", "listKind"] {
            if let value = names[field].stringValue, !value.isEmpty, let messages = dns1035Errors(value.lowercased()) {
                errors.invalid("spec.names.\(field)", .string(value), "may have mixed case, but should otherwise match: " + messages.joined(separator: ","))
            }
        }
        for (i, short) in (names["shortNames"].arrayValue ?? []).enumerated() {
            let value = short.stringValue ?? ""
            if let messages = dns1035Errors(value) { errors.invalid("spec.names.shortNames[\(i)]", .string(value), messages.joined(separator: ",")) }
        }
        if let kind = names["kind"].stringValue, !kind.isEmpty, kind == names["listKind"].stringValue {
            errors.invalid("spec.names.listKind", .string(kind), "kind and listKind may not be the same")
        }
        for (i, category) in (names["categories"].arrayValue ?? []).enumerated() {
            let value = category.stringValue ?? ""
            if let messages = dns1035Errors(value) { errors.invalid("spec.names.categories[\(i)]", .string(value), messages.joined(separator: ",")) }
        }
    }

    /// `ValidateCustomResourceDefinitionStoredVersions` on what the strategy leaves: the old
    /// stored versions (none on create) and the first storage version added.
    private static func storedVersionErrors(_ versions: [JSONValue], old: JSONValue?, errors: inout FieldErrors) {
        var stored = (old?["status"]["storedVersions"].arrayValue ?? []).compactMap(\.stringValue)
        if let storage = versions.first(where: { $0["storage"].boolValue == true })?["name"].stringValue, !stored.contains(storage) {
            stored.append(storage)
        }
        let value = Value.go(stored.isEmpty ? "[]string(nil)" : GoSyntax.stringSlice(.array(stored.map(JSONValue.string))))
        guard !stored.isEmpty else {
            errors.invalid("status.storedVersions", value, "must have at least one stored version")
            return
        }
        var remaining = stored
        for version in versions {
            let name = version["name"].stringValue ?? ""
            if version["storage"].boolValue == true, !stored.contains(name) {
                errors.invalid("status.storedVersions", value, "must have the storage version \(name)")
            }
            remaining.removeAll { $0 == name }
        }
        for name in remaining {
            let index = stored.firstIndex(of: name) ?? 0
            errors.invalid("status.storedVersions[\(index)]", .string(name),
                           "missing from spec.versions; \(name) was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in \(name) and removes \(name) from status.storedVersions")
        }
    }

    // MARK: Pieces

    private static func columns(_ version: JSONValue) -> [JSONValue] { version["additionalPrinterColumns"].arrayValue ?? [] }

    /// Whether the conversion treats these per-version values as identical (absent, null and
    /// an empty list alike, as `Semantic.DeepEqual` does for nil and empty).
    private static func identical(_ values: [JSONValue]) -> Bool {
        guard let first = values.first else { return false }
        return values.allSatisfy { $0 == first }
    }

    private static func identical(_ values: [[JSONValue]]) -> Bool {
        guard let first = values.first else { return false }
        return values.allSatisfy { $0 == first }
    }

    /// `IsDNS1035Label`'s messages: the length, then the pattern (a letter first).
    static func dns1035Errors(_ s: String) -> [String]? {
        var messages: [String] = []
        if s.utf8.count > 63 { messages.append("must be no more than 63 characters") }
        let startsWithLetter = s.utf8.first.map { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) } ?? false
        if !startsWithLetter || !ObjectValidation.hasLabelForm(s) { messages.append(ObjectValidation.dns1035Message) }
        return messages.isEmpty ? nil : messages
    }

    /// `spec.Versions` of the internal object as `%#v` prints it: hoisted fields are nil, others
    /// pointers with stand-in addresses (the conformance normaliser turns them into `<ptr>`).
    static func goVersions(_ value: JSONValue, hoistedSchema: Bool, hoistedSubresources: Bool, hoistedColumns: Bool) -> String {
        guard case .array(let versions) = value else { return "[]apiextensions.CustomResourceDefinitionVersion(nil)" }
        var pointers = GoSyntax.Pointers(from: 0xc000a10100)
        func pointer(_ value: JSONValue, _ type: String, hoisted: Bool) -> String { pointers.pointer(type, set: !hoisted && !value.isNull) }
        func goColumns(_ version: JSONValue) -> String {
            let list = columns(version)
            guard !hoistedColumns, !list.isEmpty else { return "[]apiextensions.CustomResourceColumnDefinition(nil)" }
            return "[]apiextensions.CustomResourceColumnDefinition{" + list.map { c in
                "apiextensions.CustomResourceColumnDefinition{Name:\(GoSyntax.quote(c["name"].stringValue ?? "")), Type:\(GoSyntax.quote(c["type"].stringValue ?? "")), "
                    + "Format:\(GoSyntax.quote(c["format"].stringValue ?? "")), Description:\(GoSyntax.quote(c["description"].stringValue ?? "")), "
                    + "Priority:\(c["priority"].intValue ?? 0), JSONPath:\(GoSyntax.quote(c["jsonPath"].stringValue ?? ""))}"
            }.joined(separator: ", ") + "}"
        }
        return "[]apiextensions.CustomResourceDefinitionVersion{" + versions.map { v in
            "apiextensions.CustomResourceDefinitionVersion{Name:\(GoSyntax.quote(v["name"].stringValue ?? "")), "
                + "Served:\(v["served"].boolValue == true), Storage:\(v["storage"].boolValue == true), Deprecated:\(v["deprecated"].boolValue == true), "
                + "DeprecationWarning:\(pointer(v["deprecationWarning"], "string", hoisted: false)), "
                + "Schema:\(pointer(v["schema"], "apiextensions.CustomResourceValidation", hoisted: hoistedSchema)), "
                + "Subresources:\(pointer(v["subresources"], "apiextensions.CustomResourceSubresources", hoisted: hoistedSubresources)), "
                + "AdditionalPrinterColumns:\(goColumns(v))}"
        }.joined(separator: ", ") + "}"
    }
}
