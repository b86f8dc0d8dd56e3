import Foundation
import KubernetesModel
import Stencil

/// A JSON object as the template engine sees it: members are looked up strictly, so a missing
/// member is an error naming its full path (`values.ingress.clas`), not an empty string. It
/// iterates (`{% for key, value in values.labels %}`) in key order.
final class StrictObject: DynamicMemberLookup, CustomReflectable {
    let path: String
    let members: [String: JSONValue]

    init(_ members: [String: JSONValue], path: String) {
        self.members = members
        self.path = path
    }

    subscript(dynamicMember member: String) -> Any? {
        guard let value = members[member] else {
            let path = self.path + "." + member
            let known = members.keys.sorted().joined(separator: ", ")
            return LazyValueWrapper(closure: { _ -> Any in
                throw TemplateSyntaxError(reason: "\(TemplateEngine.undefinedPrefix) \(path) (\(known.isEmpty ? "\(self.path) is empty" : "\(self.path) has: \(known)"))")
            })
        }
        return TemplateValues.wrap(value, path: path + "." + member)
    }

    var customMirror: Mirror {
        let children: [Mirror.Child] = members.keys.sorted().map { key in
            (label: key, value: TemplateValues.wrap(members[key]!, path: path + "." + key) as Any)
        }
        return Mirror(self, children: children, displayStyle: .struct)
    }
}

/// JSON ⇄ the values Stencil works with.
enum TemplateValues {
    static func wrap(_ value: JSONValue, path: String) -> Any? {
        switch value {
        case .null: return nil
        case .bool(let b): return b
        case .int(let i): return Int(i)
        case .double(let d): return d
        case .string(let s): return s
        case .array(let a): return a.enumerated().map { wrap($0.element, path: "\(path).\($0.offset)") as Any }
        case .object(let o): return StrictObject(o, path: path)
        }
    }

    /// Back to JSON (for `toYaml`, `json`): what a template value denotes.
    static func unwrap(_ any: Any?) -> JSONValue {
        guard let any else { return .null }
        if let optional = any as? AnyOptionalValue { return optional.isNone ? .null : unwrap(optional.wrappedAny) }
        switch any {
        case let o as StrictObject: return .object(o.members)
        case let s as String: return .string(s)
        case let b as Bool: return .bool(b)
        case let i as Int: return .int(Int64(i))
        case let i as Int64: return .int(i)
        case let d as Double: return .double(d)
        case let f as Float: return .double(Double(f))
        case let a as [Any]: return .array(a.map { unwrap($0) })
        case let a as [Any?]: return .array(a.map { unwrap($0) })
        case let d as [String: Any]: return .object(d.mapValues { unwrap($0) })
        default:
            let mirror = Mirror(reflecting: any)
            if mirror.displayStyle == .tuple {
                // A (key, value) pair from iterating an object.
                let parts = mirror.children.map { unwrap($0.value) }
                return .array(parts)
            }
            return .string(String(describing: any))
        }
    }

    /// The text a value stands for in `quote`, `b64enc`, ...: strings as they are, numbers and
    /// booleans as YAML would write them.
    static func text(_ any: Any?) -> String? {
        switch unwrap(any) {
        case .null: return nil
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return JSONValue.double(d).jsonString()
        case let other: return other.jsonString()
        }
    }
}

/// Lets `unwrap` see through `Optional<T>` boxed in `Any` (loop variables of object iteration).
protocol AnyOptionalValue {
    var isNone: Bool { get }
    var wrappedAny: Any? { get }
}

extension Optional: AnyOptionalValue {
    var isNone: Bool { if case .none = self { return true } else { return false } }
    var wrappedAny: Any? { if case .some(let w) = self { return w } else { return nil } }
}
