import Foundation
import Infrastructure
import KubernetesModel

/// One node pool of a Cluster (`spec.nodePools[]`): how many VMs, of what, where, and when one
/// is broken. Parsed from the Cluster (tenant input: every field checked, each error names its
/// path).
public struct NodePool: Sendable, Equatable {
    public struct Taint: Sendable, Equatable {
        public var key: String
        public var value: String?
        public var effect: String
    }

    /// A Node condition that makes a Machine unhealthy when it holds for longer than `duration`.
    public struct UnhealthyCondition: Sendable, Equatable {
        public var type: String
        public var status: String
        public var duration: Duration
    }

    public var name: String
    public var replicas: Int
    public var flavor: String
    public var image: String
    public var availabilityZones: [String]
    public var serverGroupPolicy: ServerGroupPolicy?
    public var labels: [String: String]
    public var taints: [Taint]
    /// A ConfigMap of the Cluster's namespace whose key `userData` is the template each VM boots
    /// with (cloud-init), rendered per Machine (`BootstrapUserData`); nil: no user data.
    public var userDataTemplate: String?
    /// The Secrets of the Cluster's namespace the template may read (`secrets.<name>.<key>`): the
    /// only secret material that reaches user data.
    public var userDataSecrets: [String]
    public var maxSurge: CountOrPercent
    public var maxUnavailable: CountOrPercent
    public var unhealthyConditions: [UnhealthyCondition]
    public var nodeStartupTimeout: Duration
    public var maxUnhealthy: CountOrPercent

    /// The health rules Cluster API's MachineHealthCheck defaults to: Ready False or Unknown for 5 minutes.
    public static let defaultUnhealthyConditions = [
        UnhealthyCondition(type: "Ready", status: "False", duration: .seconds(300)),
        UnhealthyCondition(type: "Ready", status: "Unknown", duration: .seconds(300)),
    ]

    /// Parses `spec.nodePools[index]`.
    public init(json: JSONValue, index: Int) throws(NodePoolError) {
        let path = "spec.nodePools[\(index)]"
        func fail(_ field: String, _ message: String) -> NodePoolError { NodePoolError(field: "\(path).\(field)", message: message) }
        guard let name = json["name"].stringValue, NodePool.isDNSLabel(name) else {
            throw fail("name", "required, a DNS label (lowercase letters, digits and '-', at most 63): \(json["name"].isNull ? "missing" : json["name"].description)")
        }
        self.name = name
        let replicas = json["replicas"].isNull ? 1 : json["replicas"].intValue.map(Int.init) ?? -1
        guard (0...500).contains(replicas) else { throw fail("replicas", "a whole number from 0 to 500, not \(json["replicas"])") }
        self.replicas = replicas
        guard let flavor = json["flavor"].stringValue, !flavor.isEmpty else { throw fail("flavor", "required (a flavor name or ID)") }
        guard let image = json["image"].stringValue, !image.isEmpty else { throw fail("image", "required (an image name or ID)") }
        self.flavor = flavor
        self.image = image
        availabilityZones = try NodePool.strings(json["availabilityZones"], field: "\(path).availabilityZones")
        if let policy = json["serverGroupPolicy"].stringValue {
            guard let parsed = ServerGroupPolicy(rawValue: policy) else { throw fail("serverGroupPolicy", "anti-affinity or soft-anti-affinity, not \"\(policy)\"") }
            serverGroupPolicy = parsed
        } else {
            serverGroupPolicy = nil
        }
        var labels: [String: String] = [:]
        for (key, value) in json["labels"].objectValue ?? [:] {
            guard let text = value.stringValue else { throw fail("labels.\(key)", "a string") }
            labels[key] = text
        }
        self.labels = labels
        taints = try (json["taints"].arrayValue ?? []).enumerated().map { i, taint throws(NodePoolError) in
            guard let key = taint["key"].stringValue, !key.isEmpty else { throw fail("taints[\(i)].key", "required") }
            let effect = taint["effect"].stringValue ?? ""
            guard ["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(effect) else {
                throw fail("taints[\(i)].effect", "NoSchedule, PreferNoSchedule or NoExecute, not \"\(effect)\"")
            }
            return Taint(key: key, value: taint["value"].stringValue, effect: effect)
        }
        if json["userDataTemplate"].isNull {
            userDataTemplate = nil
        } else {
            guard let template = json["userDataTemplate"].stringValue, NodePool.isDNSSubdomain(template) else {
                throw fail("userDataTemplate", "the name of a ConfigMap in the Cluster's namespace, not \(json["userDataTemplate"])")
            }
            userDataTemplate = template
        }
        userDataSecrets = try NodePool.strings(json["userDataSecrets"], field: "\(path).userDataSecrets")
        for (i, secret) in userDataSecrets.enumerated() where !NodePool.isDNSSubdomain(secret) {
            throw fail("userDataSecrets[\(i)]", "the name of a Secret in the Cluster's namespace, not \"\(secret)\"")
        }
        if !userDataSecrets.isEmpty && userDataTemplate == nil { throw fail("userDataSecrets", "only with userDataTemplate (nothing would read them)") }
        let update = json["rollingUpdate"]
        maxSurge = try CountOrPercent(update["maxSurge"], default: .count(1), field: "\(path).rollingUpdate.maxSurge")
        maxUnavailable = try CountOrPercent(update["maxUnavailable"], default: .count(0), field: "\(path).rollingUpdate.maxUnavailable")
        if maxSurge.resolve(total: max(replicas, 1), roundUp: true) == 0 && maxUnavailable.resolve(total: max(replicas, 1), roundUp: false) == 0 {
            throw fail("rollingUpdate", "maxSurge and maxUnavailable may not both be 0 (nothing could be replaced)")
        }
        let health = json["health"]
        if let rules = health["unhealthyConditions"].arrayValue {
            unhealthyConditions = try rules.enumerated().map { i, rule throws(NodePoolError) in
                guard let type = rule["type"].stringValue, !type.isEmpty else { throw fail("health.unhealthyConditions[\(i)].type", "required") }
                guard let status = rule["status"].stringValue, ["True", "False", "Unknown"].contains(status) else {
                    throw fail("health.unhealthyConditions[\(i)].status", "True, False or Unknown")
                }
                guard let duration = rule["for"].stringValue.flatMap(NodePool.duration) else {
                    throw fail("health.unhealthyConditions[\(i)].for", "a duration such as 300s or 5m, not \(rule["for"])")
                }
                return UnhealthyCondition(type: type, status: status, duration: duration)
            }
        } else {
            unhealthyConditions = NodePool.defaultUnhealthyConditions
        }
        if health["nodeStartupTimeout"].isNull {
            nodeStartupTimeout = .seconds(600)
        } else {
            guard let timeout = health["nodeStartupTimeout"].stringValue.flatMap(NodePool.duration) else {
                throw fail("health.nodeStartupTimeout", "a duration such as 10m, not \(health["nodeStartupTimeout"])")
            }
            nodeStartupTimeout = timeout
        }
        maxUnhealthy = try CountOrPercent(health["maxUnhealthy"], default: .percent(40), field: "\(path).health.maxUnhealthy")
    }

    /// All pools of a Cluster's spec (none when it has none); names must be unique.
    public static func pools(of spec: JSONValue) throws(NodePoolError) -> [NodePool] {
        guard !spec["nodePools"].isNull else { return [] }
        guard let items = spec["nodePools"].arrayValue else { throw NodePoolError(field: "spec.nodePools", message: "a list") }
        var pools: [NodePool] = []
        for (index, item) in items.enumerated() {
            let pool = try NodePool(json: item, index: index)
            if pools.contains(where: { $0.name == pool.name }) {
                throw NodePoolError(field: "spec.nodePools[\(index)].name", message: "\"\(pool.name)\" is used by another pool")
            }
            pools.append(pool)
        }
        return pools
    }

    static func isDNSLabel(_ s: String) -> Bool {
        guard (1...63).contains(s.utf8.count), let first = s.utf8.first, let last = s.utf8.last else { return false }
        let alnum: (UInt8) -> Bool = { (97...122).contains($0) || (48...57).contains($0) }
        return alnum(first) && alnum(last) && s.utf8.allSatisfy { alnum($0) || $0 == 45 }
    }

    static func isDNSSubdomain(_ s: String) -> Bool {
        s.utf8.count <= 253 && s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isDNSLabel(String($0)) }
    }

    static func strings(_ value: JSONValue, field: String) throws(NodePoolError) -> [String] {
        guard !value.isNull else { return [] }
        guard let items = value.arrayValue else { throw NodePoolError(field: field, message: "a list of strings") }
        return try items.enumerated().map { i, item throws(NodePoolError) in
            guard let text = item.stringValue, !text.isEmpty else { throw NodePoolError(field: "\(field)[\(i)]", message: "a non-empty string") }
            return text
        }
    }

    /// `90s`, `5m`, `1h30m` (Go's duration syntax, whole units).
    static func duration(_ text: String) -> Duration? {
        var total = 0, number = "", sawUnit = false
        for c in text {
            if c.isNumber { number.append(c); continue }
            guard let value = Int(number) else { return nil }
            switch c {
            case "h": total += value * 3600
            case "m": total += value * 60
            case "s": total += value
            default: return nil
            }
            number = ""
            sawUnit = true
        }
        guard number.isEmpty, sawUnit else { return nil }
        return .seconds(total)
    }
}

/// A count (`3`) or a percentage of the pool (`"25%"`), as Kubernetes' IntOrString.
public enum CountOrPercent: Sendable, Equatable {
    case count(Int)
    case percent(Int)

    init(_ value: JSONValue, default fallback: CountOrPercent, field: String) throws(NodePoolError) {
        if value.isNull {
            self = fallback
        } else if let count = value.intValue, count >= 0 {
            self = .count(Int(count))
        } else if let text = value.stringValue, text.hasSuffix("%"), let percent = Int(text.dropLast()), (0...100).contains(percent) {
            self = .percent(percent)
        } else {
            throw NodePoolError(field: field, message: "a non-negative count or a percentage such as \"25%\", not \(value)")
        }
    }

    /// The number it stands for in a pool of `total` (percentages rounded as Kubernetes does:
    /// up for surge, down for unavailability and unhealthy budgets).
    public func resolve(total: Int, roundUp: Bool) -> Int {
        switch self {
        case .count(let count): return count
        case .percent(let percent):
            let exact = total * percent
            return roundUp ? (exact + 99) / 100 : exact / 100
        }
    }
}

public struct NodePoolError: Error, CustomStringConvertible, Equatable {
    public var field: String
    public var message: String
    public var description: String { "\(field): \(message)" }
}
