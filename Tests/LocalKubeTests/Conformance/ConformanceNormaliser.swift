import Foundation
import KubernetesModel

/// Normalises one server's answers within one case exactly as the kube-conformance README says:
/// uids → `<uid:N>`, object resourceVersions → `<rv:N>` (N in order of first appearance over the
/// whole case), list resourceVersion/continue, timestamps, cluster IPs, node ports, generated names
/// and Go pointers. One normaliser per replayed case: numbering carries from step to step.
struct ConformanceNormaliser {
    static let timeKeys: Set<String> = [
        "creationTimestamp", "deletionTimestamp", "time", "lastTransitionTime", "lastUpdateTime", "lastProbeTime",
        "acquireTime", "renewTime", "startTime", "lastScheduleTime", "lastSuccessfulTime", "eventTime",
        "firstTimestamp", "lastTimestamp", "completionTime",
    ]

    private var uids: [String: Int] = [:]
    private var resourceVersions: [String: Int] = [:]
    /// Names made from generateName seen so far, with their normalised form.
    private var generatedNames: [String: String] = [:]

    private static let uuidPattern = try! NSRegularExpression(
        pattern: "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", options: [.caseInsensitive])
    private static let pointerPattern = try! NSRegularExpression(pattern: "0x[0-9a-fA-F]{6,}")

    mutating func normalise(_ value: JSONValue) -> JSONValue {
        collectGeneratedNames(value)
        return walk(value, key: nil)
    }

    private mutating func collectGeneratedNames(_ value: JSONValue) {
        switch value {
        case .object(let members):
            if let metadata = members["metadata"]?.objectValue, let prefix = metadata["generateName"]?.stringValue,
               let name = metadata["name"]?.stringValue, name.hasPrefix(prefix), name.count == prefix.count + 5, !prefix.isEmpty {
                generatedNames[name] = prefix + "<random5>"
            }
            for member in members.values { collectGeneratedNames(member) }
        case .array(let elements):
            for element in elements { collectGeneratedNames(element) }
        default: break
        }
    }

    /// Keys in roughly the order a Go server writes them, so numbering follows first appearance.
    private static func orderedKeys(_ members: [String: JSONValue]) -> [String] {
        let leading = ["kind", "apiVersion", "type", "metadata", "name", "generateName", "namespace", "uid"]
        return leading.filter { members[$0] != nil } + members.keys.filter { !leading.contains($0) }.sorted()
    }

    private mutating func walk(_ value: JSONValue, key: String?) -> JSONValue {
        switch value {
        case .object(let members):
            let isList = members["items"]?.arrayValue != nil
            var result: [String: JSONValue] = [:]
            for memberKey in Self.orderedKeys(members) {
                let member = members[memberKey]!
                guard memberKey == "metadata", let metadata = member.objectValue else {
                    result[memberKey] = walk(member, key: memberKey)
                    continue
                }
                var normalised: [String: JSONValue] = [:]
                for metadataKey in Self.orderedKeys(metadata) {
                    let field = metadata[metadataKey]!
                    if metadataKey == "resourceVersion", let rv = field.stringValue, !rv.isEmpty {
                        normalised[metadataKey] = .string(isList ? "<list-rv>" : resourceVersionPlaceholder(rv))
                    } else if metadataKey == "continue", isList, field.stringValue != nil {
                        normalised[metadataKey] = "<continue>"
                    } else {
                        normalised[metadataKey] = walk(field, key: metadataKey)
                    }
                }
                result[memberKey] = .object(normalised)
            }
            return .object(result)
        case .array(let elements):
            if key == "clusterIPs" {
                return .array(elements.map { element in element.stringValue.map { $0 == "None" ? element : "<ip>" } ?? element })
            }
            return .array(elements.map { walk($0, key: nil) })
        case .string(let text):
            if let key, Self.timeKeys.contains(key) { return "<time>" }
            if key == "clusterIP", text != "None" { return "<ip>" }
            return .string(normaliseText(text))
        case .int:
            if key == "nodePort" || key == "healthCheckNodePort" { return "<port>" }
            return value
        default:
            return value
        }
    }

    private mutating func resourceVersionPlaceholder(_ rv: String) -> String {
        if let n = resourceVersions[rv] { return "<rv:\(n)>" }
        let n = resourceVersions.count + 1
        resourceVersions[rv] = n
        return "<rv:\(n)>"
    }

    /// uids, generated names and pointers inside any string.
    mutating func normaliseText(_ text: String) -> String {
        var result = text
        if let whole = generatedNames[result] { return whole }
        let range = NSRange(result.startIndex..., in: result)
        let matches = Self.uuidPattern.matches(in: result, range: range)
        for match in matches {
            guard let swiftRange = Range(match.range, in: result) else { continue }
            let uid = result[swiftRange].lowercased()
            if uids[uid] == nil { uids[uid] = uids.count + 1 }
        }
        for match in matches.reversed() {
            guard let swiftRange = Range(match.range, in: result) else { continue }
            result.replaceSubrange(swiftRange, with: "<uid:\(uids[result[swiftRange].lowercased()]!)>")
        }
        for (name, normalised) in generatedNames where result.contains(name) {
            result = result.replacingOccurrences(of: name, with: normalised)
        }
        result = Self.pointerPattern.stringByReplacingMatches(
            in: result, range: NSRange(result.startIndex..., in: result), withTemplate: "<ptr>")
        return result
    }
}
