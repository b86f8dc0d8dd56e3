import KubernetesModel

/// The checks the real server makes before storing: object names per kind, then the typed
/// schema (through StructuredMerge), then immutable fields on update.
enum ObjectValidation {
    static let subdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    static let labelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    static let dns1035Message = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"

    static func validateMetadata(_ object: JSONValue, type: ResourceType) throws(APIError) {
        let name = object["metadata"]["name"].stringValue ?? ""
        // A bad generateName is reported before the (generated) name it made.
        func invalid(_ message: String, field: String = "metadata.name") -> APIError {
            let prefix = type.group.isEmpty && type.kind == "Event" ? [] : ObjectMetaValidation.generateNameCauses(object, type: type)
            return APIError.invalid(kind: type.kind, group: type.group, name: name,
                                    causes: prefix + [.init(reason: "FieldValueInvalid", message: "Invalid value: \"\(name)\": \(message)", field: field)])
        }
        if name.isEmpty {
            throw APIError.invalid(kind: type.kind, group: type.group, name: name,
                                   causes: [.init(reason: "FieldValueRequired", message: "Required value: name or generateName is required", field: "metadata.name")])
        }
        switch (type.group, type.plural) {
        case ("", "namespaces"):
            if !isLabel(name) { throw invalid(labelMessage) }
            if name.count > 63 { throw invalid("must be no more than 63 characters") }
        case ("", "services"):
            if !isDNS1035Label(name) { throw invalid(dns1035Message) }
        case ("rbac.authorization.k8s.io", _):
            if name == "." || name == ".." || name.contains("/") || name.contains("%") {
                throw invalid("may not contain '/' or '%'")
            }
        case ("apiextensions.k8s.io", "customresourcedefinitions"):
            let plural = object["spec"]["names"]["plural"].stringValue ?? ""
            let group = object["spec"]["group"].stringValue ?? ""
            if name != "\(plural).\(group)" { throw invalid("must be spec.names.plural+\".\"+spec.group") }
        default:
            if !isSubdomain(name) { throw invalid(subdomainMessage) }
            if name.count > 253 { throw invalid("must be no more than 253 characters") }
        }
    }

    /// Validation of the whole object: a custom resource against its CRD schema, built-in kinds by the rules addons meet.
    /// On update (`old` given) the fields that may not change are checked too, in the order the
    /// server reports them: core kinds before their other rules, apps and batch after.
    static func validate(_ object: JSONValue, type: ResourceType, schemas: SchemaSet, old: JSONValue? = nil) throws(APIError) {
        let name = object["metadata"]["name"].stringValue ?? ""
        // core/v1 Events skip ObjectMeta validation on the server (legacy event validation only).
        let checksMeta = !(type.group.isEmpty && type.kind == "Event")
        var causes = old == nil && checksMeta ? ObjectMetaValidation.generateNameCauses(object, type: type) : []
        causes += LabelValidation.metadataCauses(object)
        if checksMeta { causes += ObjectMetaValidation.causes(object, type: type, creating: old == nil) }
        let immutable = old.map { ImmutableFields.errors(old: $0, new: object, type: type).causes } ?? []
        if type.group.isEmpty { causes += immutable }
        if type.isCustom {
            if let schema = schemas.customSchemas[type.groupVersionKind], !schema.isNull {
                causes += CustomResourceValidation.causes(object, schema: schema)
            }
        } else if type.group.isEmpty, type.kind == "Service" {
            // The IP allocator's pre-check runs before validation and answers alone.
            let clusterIPErrors = ServiceValidation.clusterIPErrors(object, old: old)
            if !clusterIPErrors.isEmpty { throw APIError.invalid(kind: type.kind, group: type.group, name: name, causes: clusterIPErrors.causes) }
            causes += ServiceValidation.errors(object, old: old).causes
        } else if type.group.isEmpty, type.kind == "Node" {
            causes += NodeValidation.errors(object, old: old).causes
        } else if type.group.isEmpty, type.kind == "PersistentVolumeClaim" {
            causes += ClaimValidation.errors(object).causes
        } else if type.group.isEmpty, type.kind == "ConfigMap" || type.kind == "Secret" {
            causes += DataKeyValidation.causes(object, kind: type.kind)
            if type.kind == "Secret" { causes += SecretValidation.errors(object).causes }
        } else if let errors = WorkloadValidation.errors(object, type: type) {
            causes += errors.causes
        } else if type.group == RBACValidation.group, let errors = RBACValidation.errors(object, kind: type.kind) {
            causes += errors.causes
        } else if let errors = ClusterPolicyValidation.errors(object, type: type) {
            causes += errors.causes
        } else if type.group == "apiextensions.k8s.io", type.kind == "CustomResourceDefinition" {
            causes += CustomResourceDefinitionValidation.errors(object, old: old).causes
        }
        if !type.group.isEmpty { causes += immutable }
        if !causes.isEmpty { throw APIError.invalid(kind: type.kind, group: type.group, name: name, causes: causes) }
    }

    // MARK: Name rules

    static func isLabel(_ s: String) -> Bool { s.utf8.count <= 63 && hasLabelForm(s) }

    /// The RFC 1123 label pattern, whatever the length.
    static func hasLabelForm(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard !b.isEmpty, isAlnum(b.first!), isAlnum(b.last!) else { return false }
        return b.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") }
    }

    static func isDNS1035Label(_ s: String) -> Bool {
        guard let f = s.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(f) else { return false }
        return isLabel(s)
    }

    /// `IsDNS1123Subdomain`'s messages: the length, then the form (nil: none).
    static func subdomainErrors(_ s: String) -> [String]? {
        var messages: [String] = []
        if s.utf8.count > 253 { messages.append("must be no more than 253 characters") }
        if !isSubdomain(String(s.prefix(253))) { messages.append(subdomainMessage) }
        return messages.isEmpty ? nil : messages
    }

    /// `ValidateDNS1123Subdomain`: each of `subdomainErrors`' messages an invalid value at `field`.
    static func subdomain(_ value: String, _ field: String, _ errors: inout FieldErrors) {
        for message in subdomainErrors(value) ?? [] { errors.invalid(field, .string(value), message) }
    }

    static func isSubdomain(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 253 else { return false }
        return s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
            let b = Array(part.utf8)
            guard !b.isEmpty, isAlnum(b.first!), isAlnum(b.last!) else { return false }
            return b.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") }
        }
    }

    private static func isAlnum(_ c: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c)
    }
}
