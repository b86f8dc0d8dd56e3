import KubernetesModel

/// A health check an addon adds to the built-in per-kind rules (which the controller applies to
/// every object anyway): the addon works only when all its rules hold.
public struct HealthRule: Sendable, Hashable {
    /// What must hold of the target object.
    public enum Check: Sendable, Hashable {
        /// `status.conditions[type=T].status == S`.
        case condition(type: String, status: String)
        /// A CronJob's `status.lastSuccessfulTime` is at most this many seconds old. When the
        /// definition says `succeededWithinSchedules: N`, the renderer computes N times the longest
        /// interval of the rendered CronJob's schedule.
        case succeededWithin(seconds: Double)
        /// The field at `path` (dotted, under the object) equals `value`.
        case fieldEquals(path: [String], value: JSONValue)
        /// The field at `path` equals the field at `otherPath` (e.g. numberReady == desiredNumberScheduled),
        /// and is present.
        case fieldEqualsField(path: [String], otherPath: [String])
    }

    /// The rule's name, for status messages.
    public var name: String
    /// The object the rule judges (namespace defaults to the addon's namespace for namespaced kinds).
    public var target: ObjectReference
    public var check: Check
    /// Where the rule is written (for lint messages).
    public var file: String
    public var line: Int

    public init(name: String, target: ObjectReference, check: Check, file: String = "", line: Int = 0) {
        self.name = name
        self.target = target
        self.check = check
        self.file = file
        self.line = line
    }
}

/// A health rule as written, before rendering: `succeededWithinSchedules` depends on the
/// rendered schedule.
struct HealthRuleSpec: Sendable, Hashable {
    enum Check: Sendable, Hashable {
        case resolved(HealthRule.Check)
        case succeededWithinSchedules(Double)
    }
    var name: String
    var kind: GroupKind
    var objectName: String
    var namespace: String?
    var check: Check
    var file: String
    var line: Int

    static func read(_ node: YAMLNode, addonNamespace: String?, diagnostics: inout Diagnostics) -> HealthRuleSpec? {
        guard var reader = FieldReader(node, what: "health rule", diagnostics: &diagnostics) else { return nil }
        let ruleName = reader.string("name", required: true, diagnostics: &diagnostics)
        var target: (GroupKind, String, String?)?
        if let objectNode = reader.required("object", diagnostics: &diagnostics),
           var objectReader = FieldReader(objectNode, what: "health rule object", diagnostics: &diagnostics) {
            let apiVersion = objectReader.string("apiVersion", required: true, diagnostics: &diagnostics)
            let kind = objectReader.string("kind", required: true, diagnostics: &diagnostics)
            let name = objectReader.string("name", required: true, diagnostics: &diagnostics)
            let namespace = objectReader.string("namespace", required: false, diagnostics: &diagnostics)
            objectReader.finish(diagnostics: &diagnostics)
            if let apiVersion, let kind, let name {
                let gk = GroupVersionKind(apiVersion: apiVersion, kind: kind).groupKind
                let ns = namespace ?? (KindScopes.isClusterScoped(gk) ? nil : addonNamespace)
                target = (gk, name, ns)
            }
        }
        var checks: [Check] = []
        if let conditionNode = reader.optional("condition"), var c = FieldReader(conditionNode, what: "health rule condition", diagnostics: &diagnostics) {
            let type = c.string("type", required: true, diagnostics: &diagnostics)
            let status = c.string("status", required: false, diagnostics: &diagnostics) ?? "True"
            c.finish(diagnostics: &diagnostics)
            if let type { checks.append(.resolved(.condition(type: type, status: status))) }
        }
        if let within = reader.optional("succeededWithin") {
            if let s = within.value.stringValue, let seconds = GoDuration.seconds(s) {
                checks.append(.resolved(.succeededWithin(seconds: seconds)))
            } else {
                diagnostics.add(.invalidField, file: node.file, line: within.line, "\(within.dottedPath): expected a duration such as 2h or 90m, got \(within.value.jsonString())")
            }
        }
        if let schedules = reader.optional("succeededWithinSchedules") {
            if let n = schedules.value.doubleValue, n > 0 {
                checks.append(.succeededWithinSchedules(n))
            } else {
                diagnostics.add(.invalidField, file: node.file, line: schedules.line, "\(schedules.dottedPath): expected a positive number of schedule intervals")
            }
        }
        if let fieldNode = reader.optional("field"), var f = FieldReader(fieldNode, what: "health rule field", diagnostics: &diagnostics) {
            let path = f.string("path", required: true, diagnostics: &diagnostics)
            let equals = f.optional("equals")?.value
            let equalsField = f.string("equalsField", required: false, diagnostics: &diagnostics)
            f.finish(diagnostics: &diagnostics)
            if let path {
                let components = path.split(separator: ".").map(String.init)
                if let equalsField {
                    checks.append(.resolved(.fieldEqualsField(path: components, otherPath: equalsField.split(separator: ".").map(String.init))))
                } else if let equals {
                    checks.append(.resolved(.fieldEquals(path: components, value: equals)))
                } else {
                    diagnostics.add(.missingField, file: node.file, line: fieldNode.line, "\(fieldNode.dottedPath): needs \"equals\" or \"equalsField\"")
                }
            }
        }
        reader.finish(diagnostics: &diagnostics)
        if checks.count != 1 {
            diagnostics.add(.invalidField, file: node.file, line: node.line, "health rule\(ruleName.map { " \"\($0)\"" } ?? ""): needs exactly one of condition, succeededWithin, succeededWithinSchedules, field (found \(checks.count))")
            return nil
        }
        guard let ruleName, let target else { return nil }
        return HealthRuleSpec(name: ruleName, kind: target.0, objectName: target.1, namespace: target.2, check: checks[0], file: node.file, line: node.line)
    }

    var target: ObjectReference { ObjectReference(groupKind: kind, namespace: namespace, name: objectName) }
}
