import KubernetesModel

/// Removes a field named as the API server names it in apply conflicts
/// (`.spec.replicas`, `.data.a`, `.spec.template.spec.containers[name="web"].image`,
/// `.spec.ports[containerPort=80,protocol="TCP"]`, `.metadata.finalizers[="x"]`, `.items[2]`)
/// from an apply body: with conflict policy `preserve` the addon leaves such fields to their
/// other manager and applies the rest.
enum FieldPathRemoval {
    enum Step: Equatable {
        case field(String)
        /// A list element selected by key fields (`[name="web"]`), a value (`[="x"]`) or an index.
        case keys([String: JSONValue])
        case value(JSONValue)
        case index(Int)
    }

    /// Parses a conflict field path; nil when it cannot be read (then nothing is removed).
    static func parse(_ path: String) -> [Step]? {
        var steps: [Step] = []
        var chars = Substring(path)
        while let c = chars.first {
            if c == "." {
                chars = chars.dropFirst()
                var name = ""
                while let n = chars.first, n != ".", n != "[" {
                    name.append(n)
                    chars = chars.dropFirst()
                }
                guard !name.isEmpty else { return nil }
                steps.append(.field(name))
            } else if c == "[" {
                guard let close = closingBracket(in: chars) else { return nil }
                let inner = chars[chars.index(after: chars.startIndex)..<close]
                chars = chars[chars.index(after: close)...]
                if let i = Int(inner) {
                    steps.append(.index(i))
                } else if inner.hasPrefix("=") {
                    guard let v = try? JSONValue.parse(String(inner.dropFirst())) else { return nil }
                    steps.append(.value(v))
                } else {
                    var keys: [String: JSONValue] = [:]
                    for part in splitTopLevel(inner) {
                        guard let eq = part.firstIndex(of: "=") else { return nil }
                        let key = String(part[..<eq])
                        guard let v = try? JSONValue.parse(String(part[part.index(after: eq)...])) else { return nil }
                        keys[key] = v
                    }
                    steps.append(.keys(keys))
                }
            } else {
                return nil
            }
        }
        return steps
    }

    /// Removes the field; returns whether it was there.
    @discardableResult
    static func remove(_ path: String, from value: inout JSONValue) -> Bool {
        guard let steps = parse(path), !steps.isEmpty else { return false }
        return remove(steps[...], from: &value)
    }

    private static func remove(_ steps: ArraySlice<Step>, from value: inout JSONValue) -> Bool {
        guard let step = steps.first else { return false }
        let rest = steps.dropFirst()
        switch (step, value) {
        case (.field(let first), .object(var o)):
            // Keys may hold dots (`app.kubernetes.io/name`), which the notation cannot tell from
            // nesting: take the shortest run of segments that names a member.
            var name = first
            var rest = rest
            while o[name] == nil, case .field(let next)? = rest.first {
                name += "." + next
                rest = rest.dropFirst()
            }
            guard var child = o[name] else { return false }
            if rest.isEmpty {
                o.removeValue(forKey: name)
            } else {
                guard remove(rest, from: &child) else { return false }
                o[name] = child
            }
            value = .object(o)
            return true
        case (_, .array(var a)):
            guard let i = a.firstIndex(where: { matches(step, $0, index: a.firstIndex(of: $0) ?? -1) }) ?? indexStep(step, count: a.count) else { return false }
            if rest.isEmpty {
                a.remove(at: i)
            } else {
                var child = a[i]
                guard remove(rest, from: &child) else { return false }
                a[i] = child
            }
            value = .array(a)
            return true
        default:
            return false
        }
    }

    private static func matches(_ step: Step, _ element: JSONValue, index: Int) -> Bool {
        switch step {
        case .keys(let keys): return keys.allSatisfy { element[$0.key] == $0.value }
        case .value(let v): return element == v
        default: return false
        }
    }

    private static func indexStep(_ step: Step, count: Int) -> Int? {
        if case .index(let i) = step, i >= 0, i < count { return i }
        return nil
    }

    private static func closingBracket(in s: Substring) -> Substring.Index? {
        topLevelIndices(of: "]", in: s).first
    }

    private static func splitTopLevel(_ s: Substring) -> [Substring] {
        var parts: [Substring] = []
        var start = s.startIndex
        for comma in topLevelIndices(of: ",", in: s) {
            parts.append(s[start..<comma])
            start = s.index(after: comma)
        }
        parts.append(s[start..<s.endIndex])
        return parts
    }

    /// Positions of `character` outside JSON string literals.
    private static func topLevelIndices(of character: Character, in s: Substring) -> [Substring.Index] {
        var result: [Substring.Index] = []
        var inString = false
        var escaped = false
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if inString {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
            } else if c == "\"" {
                inString = true
            } else if c == character {
                result.append(i)
            }
            i = s.index(after: i)
        }
        return result
    }
}
