import AddonCatalog
import Foundation
import KubernetesModel

/// The health of one addon on one cluster: every applied object by its kind's rule, plus the
/// addon's own rules; the worst of them is the addon's.
public struct AddonHealth: Sendable, Equatable {
    public var state: HealthState
    /// The first reason a person should read (the worst object's or rule's).
    public var reason: String
    public var message: String
    public var objects: [ObjectHealth]
    /// When the answer changes by itself, with no object changing: a rule about recency that
    /// holds now (a CronJob's last success) stops holding after this long. Nil: only a change
    /// to an object changes it.
    public var recheckIn: TimeInterval? = nil

    /// - Parameters:
    ///   - objects: the applied objects as read back from the cluster, nil for one that is missing.
    ///   - rules: the addon's own rules (from the rendered addon).
    ///   - now: for rules about recency (a CronJob succeeded within a duration).
    ///   - unreadable: objects that could not be read (a 5xx, a timeout), with the error: their
    ///     health is `Unknown`, never "not found".
    ///   - known: the kind health of objects already evaluated (found unchanged since, or just
    ///     read); their member object is needed only by a rule that targets them.
    public static func evaluate(members: [(ObjectReference, KubeObject?)], rules: [HealthRule], now: Date,
                                unreadable: [ObjectReference: String] = [:], known: [ObjectReference: ObjectHealth] = [:]) -> AddonHealth {
        var results: [ObjectHealth] = []
        for (reference, object) in members {
            if let health = known[reference] {
                results.append(health)
            } else if let object {
                results.append(KindHealth.evaluate(object))
            } else if let error = unreadable[reference] {
                results.append(ObjectHealth(reference: reference, state: .unknown, message: "could not be read: \(error)"))
            } else {
                results.append(ObjectHealth(reference: reference, state: .progressing, message: "not found in the cluster"))
            }
        }
        var ruleResults: [(HealthRule, HealthState, String)] = []
        var recheckIn: TimeInterval?
        let byReference = Dictionary(members.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        for rule in rules {
            let object = byReference[rule.target] ?? nil
            let (state, message) = object == nil && unreadable[rule.target] != nil
                ? (HealthState.unknown, "\(rule.target) could not be read")
                : evaluate(rule, object: object, now: now)
            ruleResults.append((rule, state, message))
            if state == .healthy, let until = holdsUntil(rule, object: object) {
                let left = max(until.timeIntervalSince(now), 0)
                recheckIn = min(recheckIn ?? left, left)
            }
        }

        let worstObject = results.max { $0.state < $1.state }
        let worstRule = ruleResults.max { $0.1 < $1.1 }
        var state = HealthState.healthy
        var reason = "AllHealthy"
        var message = results.isEmpty ? "no objects" : "\(results.count) objects healthy"
        if let worstObject, worstObject.state > .healthy {
            state = worstObject.state
            reason = "Object\(worstObject.state.rawValue)"
            message = "\(worstObject.reference): \(worstObject.message)"
        }
        if let worstRule, worstRule.1 > state {
            state = worstRule.1
            reason = "HealthRule\(worstRule.1.rawValue)"
            message = "health rule \(worstRule.0.name): \(worstRule.2)"
        }
        return AddonHealth(state: state, reason: reason, message: message, objects: results.sorted { $0.reference < $1.reference }, recheckIn: recheckIn)
    }

    /// Until when a rule about recency holds for this object as it is (nil: not such a rule,
    /// or nothing to count from): a CronJob's last success, or its creation before any run,
    /// plus the rule's window.
    static func holdsUntil(_ rule: HealthRule, object: KubeObject?) -> Date? {
        guard case .succeededWithin(let seconds) = rule.check, let object else { return nil }
        if let lastText = object.status["lastSuccessfulTime"].stringValue, let last = KubeTime.parse(lastText) {
            return last.addingTimeInterval(seconds)
        }
        return object.creationTimestamp.flatMap(KubeTime.parse)?.addingTimeInterval(seconds)
    }

    static func evaluate(_ rule: HealthRule, object: KubeObject?, now: Date) -> (HealthState, String) {
        guard let object else { return (.progressing, "\(rule.target) not found") }
        switch rule.check {
        case .condition(let type, let status):
            let condition = (object.status["conditions"].arrayValue ?? []).first { $0["type"].stringValue == type }
            guard let condition else { return (.progressing, "condition \(type) not reported yet") }
            let actual = condition["status"].stringValue ?? "Unknown"
            if actual == status { return (.healthy, "\(type) is \(status)") }
            let detail = [condition["reason"].stringValue, condition["message"].stringValue].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            return (.degraded, "\(type) is \(actual), expected \(status)\(detail.isEmpty ? "" : " (\(detail))")")
        case .succeededWithin(let seconds):
            let created = object.creationTimestamp.flatMap(KubeTime.parse)
            guard let lastText = object.status["lastSuccessfulTime"].stringValue, let last = KubeTime.parse(lastText) else {
                // A new CronJob has had no chance to run: give it the same window from creation.
                if let created, now.timeIntervalSince(created) <= seconds {
                    return (.healthy, "no successful run yet, within \(Int(seconds)) s of creation")
                }
                return (.degraded, "no successful run within \(Int(seconds)) s")
            }
            let age = now.timeIntervalSince(last)
            if age <= seconds { return (.healthy, "last success \(Int(age)) s ago") }
            return (.degraded, "last success \(Int(age)) s ago, more than \(Int(seconds)) s")
        case .fieldEquals(let path, let value):
            let actual = object.body.value(at: path)
            if actual == value { return (.healthy, "\(path.joined(separator: ".")) is \(value)") }
            return (.progressing, "\(path.joined(separator: ".")) is \(actual.map { "\($0)" } ?? "unset"), waiting for \(value)")
        case .fieldEqualsField(let path, let other):
            let a = object.body.value(at: path)
            let b = object.body.value(at: other)
            if let a, a == b { return (.healthy, "\(path.joined(separator: ".")) equals \(other.joined(separator: "."))") }
            return (.progressing, "\(path.joined(separator: ".")) is \(a.map { "\($0)" } ?? "unset"), \(other.joined(separator: ".")) is \(b.map { "\($0)" } ?? "unset")")
        }
    }
}
