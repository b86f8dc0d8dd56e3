import Foundation
import KubernetesModel

extension HealthRule {
    /// The verdict of one rule on the live object.
    public struct Verdict: Sendable, Hashable {
        public var healthy: Bool
        /// Why, for status conditions ("CronJob kube-system/etcd-backup last succeeded 3h ago, limit 12h").
        public var message: String
    }

    /// Judges the live target object (nil: it does not exist) at time `now`.
    public func evaluate(_ object: KubeObject?, now: Date) -> Verdict {
        guard let object else { return Verdict(healthy: false, message: "\(target) does not exist") }
        switch check {
        case .condition(let type, let status):
            let conditions = object.status["conditions"].arrayValue ?? []
            guard let condition = conditions.first(where: { $0["type"].stringValue == type }) else {
                return Verdict(healthy: false, message: "\(target) has no condition \(type)")
            }
            let actual = condition["status"].stringValue ?? "Unknown"
            let detail = [condition["reason"].stringValue, condition["message"].stringValue].compactMap { $0 }.joined(separator: ": ")
            return Verdict(healthy: actual == status,
                           message: "\(target) condition \(type) is \(actual)\(actual == status ? "" : ", want \(status)")\(detail.isEmpty ? "" : " (\(detail))")")
        case .succeededWithin(let seconds):
            let limit = Self.describe(seconds: seconds)
            guard let text = object.status["lastSuccessfulTime"].stringValue, let last = KubeTime.parse(text) else {
                return Verdict(healthy: false, message: "\(target) has never succeeded (limit \(limit))")
            }
            let age = now.timeIntervalSince(last)
            return Verdict(healthy: age <= seconds, message: "\(target) last succeeded \(Self.describe(seconds: max(0, age))) ago, limit \(limit)")
        case .fieldEquals(let path, let value):
            let actual = object.body.value(at: path) ?? .null
            return Verdict(healthy: actual == value, message: "\(target) \(path.joined(separator: ".")) is \(actual.jsonString()), want \(value.jsonString())")
        case .fieldEqualsField(let path, let otherPath):
            guard let actual = object.body.value(at: path), let other = object.body.value(at: otherPath) else {
                return Verdict(healthy: false, message: "\(target) has no \(path.joined(separator: ".")) or \(otherPath.joined(separator: ".")) yet")
            }
            return Verdict(healthy: actual == other,
                           message: "\(target) \(path.joined(separator: ".")) is \(actual.jsonString()), \(otherPath.joined(separator: ".")) is \(other.jsonString())")
        }
    }

    static func describe(seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s % 3600 == 0 && s >= 3600 { return "\(s / 3600)h" }
        if s >= 3600 { return "\(s / 3600)h\((s % 3600) / 60)m" }
        if s % 60 == 0 && s >= 60 { return "\(s / 60)m" }
        if s >= 60 { return "\(s / 60)m\(s % 60)s" }
        return "\(s)s"
    }
}
