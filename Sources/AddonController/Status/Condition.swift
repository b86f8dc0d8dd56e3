import Foundation
import KubernetesModel

/// A Kubernetes-style condition (`type`, `status`, `reason`, `message`, `lastTransitionTime`).
public struct Condition: Sendable, Equatable {
    public enum Status: String, Sendable { case `true` = "True", `false` = "False", unknown = "Unknown" }

    public var type: String
    public var status: Status
    public var reason: String
    public var message: String
    public var lastTransitionTime: String
    public var observedGeneration: Int64?

    public init(type: String, status: Status, reason: String, message: String, lastTransitionTime: String = KubeTime.now(), observedGeneration: Int64? = nil) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
        self.observedGeneration = observedGeneration
    }

    public init?(json: JSONValue) {
        guard let type = json["type"].stringValue, let status = json["status"].stringValue.flatMap(Status.init(rawValue:)) else { return nil }
        self.init(type: type, status: status, reason: json["reason"].stringValue ?? "", message: json["message"].stringValue ?? "",
                  lastTransitionTime: json["lastTransitionTime"].stringValue ?? "", observedGeneration: json["observedGeneration"].intValue)
    }

    public var json: JSONValue {
        var o: JSONValue = ["type": .string(type), "status": .string(status.rawValue), "reason": .string(reason), "message": .string(message),
                            "lastTransitionTime": .string(lastTransitionTime)]
        if let observedGeneration { o["observedGeneration"] = .int(observedGeneration) }
        return o
    }

    /// Merges new conditions into existing ones: the transition time moves only when the status
    /// changes, as Kubernetes conventions ask.
    public static func merge(_ updates: [Condition], into existing: [Condition]) -> [Condition] {
        var result = existing
        for update in updates {
            if let i = result.firstIndex(where: { $0.type == update.type }) {
                var merged = update
                if result[i].status == update.status { merged.lastTransitionTime = result[i].lastTransitionTime }
                result[i] = merged
            } else {
                result.append(update)
            }
        }
        return result
    }
}
