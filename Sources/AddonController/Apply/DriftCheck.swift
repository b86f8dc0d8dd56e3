import Foundation
import KubernetesModel

/// Tells whether someone changed the fields the addon manager applies. After an apply, the
/// server's answer projected onto the applied structure is remembered; later the live object is
/// projected the same way and compared. Comparing server forms with server forms makes
/// normalisation (`0.5` CPU stored as `500m`, defaulted fields) a non-issue.
enum DriftCheck {
    /// What is remembered of a projection: its canonical hash (short: kept in memory per
    /// applied object of every cluster).
    static func fingerprint(_ projection: JSONValue) -> String {
        ContentHash.shortDigest(of: projection)
    }

    /// The fingerprint of `live`'s fields at the paths of `shape`.
    static func fingerprint(of live: JSONValue, onto shape: JSONValue) -> String {
        fingerprint(project(live, onto: shape))
    }

    /// The parts of `live` at the paths `shape` has (list elements by position).
    static func project(_ live: JSONValue, onto shape: JSONValue) -> JSONValue {
        switch (shape, live) {
        case (.object(let s), .object(let l)):
            var out: [String: JSONValue] = [:]
            for (key, sub) in s {
                if let value = l[key] { out[key] = project(value, onto: sub) }
            }
            return .object(out)
        case (.array(let s), .array(let l)):
            var out: [JSONValue] = []
            for (i, value) in l.enumerated() {
                out.append(i < s.count ? project(value, onto: s[i]) : value)
            }
            return .array(out)
        default:
            return live
        }
    }

    /// Whether every field of `applied` is in `live` with an equal value (the first look after a
    /// restart, when no server answer is remembered). Numbers compare by value.
    static func contains(_ live: JSONValue, _ applied: JSONValue) -> Bool {
        switch (applied, live) {
        case (.object(let a), .object(let l)):
            for (key, value) in a {
                if key == "status" { continue }
                guard let liveValue = l[key] else {
                    // An empty map or list that is not stored is not a difference.
                    if value == .object([:]) || value == .array([]) || value == .null { continue }
                    return false
                }
                if !contains(liveValue, value) { return false }
            }
            return true
        case (.array(let a), .array(let l)):
            guard a.count <= l.count else { return false }
            for (i, value) in a.enumerated() where !contains(l[i], value) { return false }
            return true
        default:
            return applied == live
        }
    }

    /// The applied body without what the server owns or ignores on apply. A Secret's
    /// `stringData` is write-only (the server stores it in `data`): its keys are compared in
    /// `data`, base64-encoded, or a change of the Secret's content would never be seen.
    static func shape(of object: KubeObject) -> JSONValue {
        var body = object.body
        body.removeValue(forKey: "status")
        if object.groupVersionKind.groupKind == GroupKind(group: "", kind: "Secret"), case .object(let stringData) = body["stringData"] {
            var data = body["data"].objectValue ?? [:]
            for (key, value) in stringData {
                data[key] = .string(Data((value.stringValue ?? "").utf8).base64EncodedString())
            }
            body["data"] = .object(data)
            body.removeValue(forKey: "stringData")
        }
        return body
    }
}
