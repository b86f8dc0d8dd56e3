import Foundation
import KubernetesModel

/// A custom resource's table as apiextensions-apiserver builds it: Name, then one column per
/// additionalPrinterColumn of the served version (or a single `Age` date column when it has
/// none); no Age is added otherwise. Each cell is the first result of the column's JSONPath.
extension TableColumns {
    /// ObjectMeta's `name` field documentation, the Name column's description on every table.
    static let nameDescription = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: http://kubernetes.io/docs/user-guide/identifiers#names"
    /// ObjectMeta's `creationTimestamp` documentation, the description of Age columns.
    static let creationTimestampDescription = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"

    /// Go's zero `time.Time`, which tables print as `<unknown>`.
    private static let goZeroTime = KubeTime.parse("0001-01-01T00:00:00Z")

    static func customResourceColumns(version: String, crd: JSONValue) -> [Column] {
        let served = (crd["spec"]["versions"].arrayValue ?? []).first { $0["name"].stringValue == version }
        var definitions = served?["additionalPrinterColumns"].arrayValue ?? []
        if definitions.isEmpty {
            definitions = [["name": "Age", "type": "date", "description": .string(creationTimestampDescription),
                            "jsonPath": ".metadata.creationTimestamp"]]
        }
        // As the server's table convertor: a column whose JSONPath does not parse ends the list
        // (it and the columns after it are not shown).
        var columns: [Column] = []
        for definition in definitions {
            let jsonPath = definition["jsonPath"].stringValue ?? ""
            let type = definition["type"].stringValue ?? "string"
            guard let path = try? JSONPath(parsing: "{\(jsonPath)}") else { break }
            let description = definition["description"].stringValue.flatMap { $0.isEmpty ? nil : $0 }
                ?? "Custom resource definition column (in JSONPath format): \(jsonPath)"
            columns.append(Column(name: definition["name"].stringValue ?? "", type: type,
                                  format: definition["format"].stringValue ?? "", description: description,
                                  priority: Int(definition["priority"].intValue ?? 0)) { object in
                guard let first = (try? path.results(in: object))?.first?.first else { return .null }
                return cell(first, type: type, now: Date())
            })
        }
        return columns
    }

    /// A printer column's cell from its JSONPath result, by column type: `string` prints any
    /// value, `date` becomes a human age (`<invalid>` when not RFC 3339), the others keep values
    /// of their own type and are empty (null) otherwise.
    static func cell(_ value: JSONValue, type: String, now: Date) -> JSONValue {
        if value.isNull && type != "string" { return .null }
        switch (type, value) {
        case ("string", _): return .string(JSONPath.goPrint(value))
        case ("integer", .int): return value
        case ("integer", .double(let d)): return d.isFinite && abs(d) < 9.2e18 ? .int(Int64(d)) : .null
        case ("number", .int(let i)): return .double(Double(i))
        case ("number", .double): return value
        case ("boolean", .bool): return value
        case ("date", .string(let text)):
            if text.isEmpty || text == "null" { return "<unknown>" }
            guard let time = KubeTime.parse(text) else { return "<invalid>" }
            if time == goZeroTime { return "<unknown>" }
            return .string(HumanDuration.string(now.timeIntervalSince(time)))
        default: return .null
        }
    }
}
