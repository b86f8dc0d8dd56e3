import AddonCatalog
import Foundation
import KubernetesModel
import Testing
@testable import AddonController

/// A read that failed (a 500, a timeout) is not an object that is missing.
@Suite struct AddonHealthReadErrorTests {
    static let deployment = ObjectReference(groupKind: GroupKind(group: "apps", kind: "Deployment"), namespace: "demo", name: "web")

    @Test func anUnreadableObjectIsUnknownNotMissing() {
        let rule = HealthRule(name: "available", target: Self.deployment, check: .condition(type: "Available", status: "True"))
        let health = AddonHealth.evaluate(members: [(Self.deployment, nil)], rules: [rule], now: Date(),
                                          unreadable: [Self.deployment: "GET deployments/web: 500 InternalError"])
        #expect(health.state == .unknown)
        #expect(health.objects.first?.message == "could not be read: GET deployments/web: 500 InternalError")
        #expect(!health.message.contains("not found"))

        let missing = AddonHealth.evaluate(members: [(Self.deployment, nil)], rules: [rule], now: Date())
        #expect(missing.state == .progressing)
        #expect(missing.objects.first?.message == "not found in the cluster")
    }
}
