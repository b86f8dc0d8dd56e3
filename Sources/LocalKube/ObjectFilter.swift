import Foundation
import KubernetesModel

/// A field selector: `metadata.name=x,metadata.namespace!=y` (`=`, `==`, `!=` on dotted paths).
struct FieldSelector: Sendable {
    struct Requirement: Sendable {
        var path: [String]
        var value: String
        var negated: Bool
    }

    var requirements: [Requirement]

    init(parsing text: String) throws(APIError) {
        requirements = []
        for part in text.split(separator: ",", omittingEmptySubsequences: true) {
            let s = String(part)
            let negated: Bool
            let pieces: [String]
            if let r = s.range(of: "!=") {
                negated = true
                pieces = [String(s[..<r.lowerBound]), String(s[r.upperBound...])]
            } else if let r = s.range(of: "==") {
                negated = false
                pieces = [String(s[..<r.lowerBound]), String(s[r.upperBound...])]
            } else if let r = s.range(of: "=") {
                negated = false
                pieces = [String(s[..<r.lowerBound]), String(s[r.upperBound...])]
            } else {
                throw APIError.badRequest("invalid field selector: \"\(text)\": invalid selector: '\(s)'; can't understand '\(s)'")
            }
            let key = pieces[0].trimmingCharacters(in: .whitespaces)
            requirements.append(Requirement(path: key.split(separator: ".").map(String.init), value: pieces[1].trimmingCharacters(in: .whitespaces), negated: negated))
        }
    }

    func matches(_ object: JSONValue) -> Bool {
        requirements.allSatisfy { r in
            let v = object.value(at: r.path)
            let text: String
            switch v {
            case .string(let s): text = s
            case .int(let i): text = String(i)
            case .bool(let b): text = String(b)
            default: text = ""
            }
            return (text == r.value) != r.negated
        }
    }
}

/// What a list or watch selects: a namespace (nil = all), labels and fields.
struct ObjectFilter: Sendable {
    var namespace: String?
    var labels: LabelSelector
    var fields: FieldSelector?

    /// Fields a kind can be selected by, besides metadata.name and metadata.namespace.
    static func selectableFields(_ type: ResourceType) -> Set<String> {
        var fields: Set<String> = ["metadata.name", "metadata.namespace"]
        guard type.group.isEmpty || type.group == "batch" || type.group == "apps" || type.group == "events.k8s.io" else { return fields }
        switch type.kind {
        case "Pod":
            fields.formUnion(["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "status.phase", "status.podIP", "status.nominatedNodeName"])
        case "Event":
            fields.formUnion(["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion",
                              "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type",
                              "regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid", "reportingController"])
        case "Secret": fields.insert("type")
        case "Namespace": fields.insert("status.phase")
        case "Node": fields.insert("spec.unschedulable")
        case "Job": fields.insert("status.successful")
        case "ReplicaSet": fields.insert("status.replicas")
        default: break
        }
        return fields
    }

    init(namespace: String?, query: [String: String], type: ResourceType? = nil) throws(APIError) {
        self.namespace = namespace
        if let text = query["labelSelector"], !text.isEmpty {
            do { labels = try LabelSelector(parsing: text) } catch {
                throw APIError.badRequest(LabelSelectorSyntax.error(in: text) ?? error.description)
            }
        } else {
            labels = LabelSelector()
        }
        if let text = query["fieldSelector"], !text.isEmpty {
            let selector = try FieldSelector(parsing: text)
            if let type {
                let allowed = Self.selectableFields(type)
                for r in selector.requirements where !allowed.contains(r.path.joined(separator: ".")) {
                    throw APIError.badRequest("\"\(r.path.joined(separator: "."))\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"")
                }
            }
            fields = selector
        } else {
            fields = nil
        }
    }

    /// The facts of an object this kind can be selected by.
    static func facts(_ object: JSONValue, type: ResourceType) -> SelectionFacts {
        var labels: [String: String] = [:]
        if case .object(let o) = object["metadata"]["labels"] { for (k, v) in o { if let s = v.stringValue { labels[k] = s } } }
        var fields: [String: String] = [:]
        for path in selectableFields(type) {
            switch object.value(at: path.split(separator: ".").map(String.init)) {
            case .string(let s)?: fields[path] = s
            case .int(let i)?: fields[path] = String(i)
            case .bool(let b)?: fields[path] = String(b)
            default: fields[path] = ""
            }
        }
        return SelectionFacts(labels: labels, fields: fields)
    }

    func matches(_ facts: SelectionFacts) -> Bool {
        if let namespace, facts.fields["metadata.namespace"] != namespace { return false }
        if !labels.isEverything, !labels.matches(facts.labels) { return false }
        if let fields {
            for r in fields.requirements where ((facts.fields[r.path.joined(separator: ".")] ?? "") == r.value) == r.negated { return false }
        }
        return true
    }

    func matches(_ object: JSONValue) -> Bool {
        let metadata = object["metadata"]
        if let namespace, metadata["namespace"].stringValue != namespace { return false }
        if !labels.isEverything {
            var l: [String: String] = [:]
            if case .object(let o) = metadata["labels"] { for (k, v) in o { if let s = v.stringValue { l[k] = s } } }
            if !labels.matches(l) { return false }
        }
        if let fields, !fields.matches(object) { return false }
        return true
    }
}
