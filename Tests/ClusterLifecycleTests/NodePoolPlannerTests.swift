import Foundation
import KubernetesModel
import Testing
@testable import ClusterLifecycle

/// The pool arithmetic: scale up and down, spread over zones, rolling replacement within
/// maxSurge/maxUnavailable — and the spec's validation.
@Suite struct NodePoolPlannerTests {
    static func pool(_ replicas: Int, zones: [String] = [], surge: JSONValue = 1, unavailable: JSONValue = 0, flavor: String = "m1.small") throws -> NodePool {
        try NodePool(json: ["name": "workers", "replicas": .int(Int64(replicas)), "flavor": .string(flavor), "image": "ubuntu-22.04",
                            "availabilityZones": .array(zones.map(JSONValue.string)), "rollingUpdate": ["maxSurge": surge, "maxUnavailable": unavailable]], index: 0)
    }

    static func machine(_ name: String, zone: String? = nil, flavor: String = "m1.small", age: TimeInterval = 100, ready: Bool = true, healthy: Bool = true) -> NodePoolPlanner.Machine {
        .init(name: name, zone: zone, flavor: flavor, image: "ubuntu-22.04", created: Date(timeIntervalSince1970: 1_000_000 - age), ready: ready, healthy: healthy)
    }

    @Test func scaleUpSpreadsOverTheZonesWithFewest() throws {
        let pool = try Self.pool(5, zones: ["az1", "az2", "az3"])
        let actions = NodePoolPlanner.plan(pool, machines: [Self.machine("a", zone: "az1"), Self.machine("b", zone: "az1")])
        #expect(actions == [.create(zone: "az2"), .create(zone: "az3"), .create(zone: "az2")])
        #expect(NodePoolPlanner.plan(try Self.pool(2), machines: []) == [.create(zone: nil), .create(zone: nil)])
    }

    @Test func scaleDownRemovesUnhealthyThenNewest() throws {
        let pool = try Self.pool(2)
        let machines = [Self.machine("old", age: 300), Self.machine("newest", age: 10), Self.machine("sick", age: 200, healthy: false), Self.machine("mid", age: 100)]
        #expect(NodePoolPlanner.plan(pool, machines: machines) == [.delete("sick", reason: "scale down to 2"), .delete("newest", reason: "scale down to 2")])
        #expect(NodePoolPlanner.plan(try Self.pool(0), machines: [Self.machine("a")]) == [.delete("a", reason: "scale down to 0")])
        #expect(NodePoolPlanner.plan(try Self.pool(2), machines: [Self.machine("a"), Self.machine("b")]).isEmpty)
    }

    /// A flavor change on 3 Machines with maxSurge 1, maxUnavailable 0, pass by pass.
    @Test func aFlavorChangeRollsOneAtATimeWithoutLosingCapacity() throws {
        let pool = try Self.pool(3, flavor: "m1.medium")
        var machines = [Self.machine("o1", age: 300), Self.machine("o2", age: 200), Self.machine("o3", age: 100)]
        // 1: one new one, no deletion (3 available needed).
        #expect(NodePoolPlanner.plan(pool, machines: machines) == [.create(zone: nil)])
        machines.append(Self.machine("n1", flavor: "m1.medium", age: 1, ready: false))
        // 2: the new one is not ready yet: nothing.
        #expect(NodePoolPlanner.plan(pool, machines: machines).isEmpty)
        machines[3].ready = true
        // 3: ready: the oldest outdated one goes.
        let reason = "replaced: flavor m1.small → m1.medium, image ubuntu-22.04 → ubuntu-22.04"
        #expect(NodePoolPlanner.plan(pool, machines: machines) == [.delete("o1", reason: reason)])
        machines.removeFirst()
        // 4: room for the next new one.
        #expect(NodePoolPlanner.plan(pool, machines: machines) == [.create(zone: nil)])
    }

    @Test func withoutSurgeItReplacesByTakingOneDownFirst() throws {
        let pool = try Self.pool(3, surge: 0, unavailable: 1, flavor: "m1.medium")
        let machines = [Self.machine("o1", age: 300), Self.machine("o2", age: 200), Self.machine("o3", age: 100)]
        let reason = "replaced: flavor m1.small → m1.medium, image ubuntu-22.04 → ubuntu-22.04"
        #expect(NodePoolPlanner.plan(pool, machines: machines) == [.delete("o1", reason: reason)])
        #expect(NodePoolPlanner.plan(pool, machines: Array(machines.dropFirst())) == [.create(zone: nil)])
    }

    @Test func anOutdatedMachineThatIsNotReadyGoesFirst() throws {
        let pool = try Self.pool(2, flavor: "m1.medium")
        let machines = [Self.machine("o1", age: 300), Self.machine("o2", age: 200, ready: false), Self.machine("n1", flavor: "m1.medium", age: 5)]
        let actions = NodePoolPlanner.plan(pool, machines: machines)
        #expect(actions.contains(.delete("o2", reason: "replaced: flavor m1.small → m1.medium, image ubuntu-22.04 → ubuntu-22.04")))
        #expect(!actions.contains { if case .delete("o1", _) = $0 { return true } else { return false } }, "capacity went below replicas: \(actions)")
    }

    @Test func theSpecIsCheckedFieldByField() {
        func error(_ json: JSONValue) -> String? {
            do { _ = try NodePool.pools(of: ["nodePools": json]); return nil } catch { return error.description }
        }
        #expect(error([["name": "Workers", "flavor": "f", "image": "i"]])?.hasPrefix("spec.nodePools[0].name: required, a DNS label") == true)
        #expect(error([["name": "w", "image": "i"]]) == "spec.nodePools[0].flavor: required (a flavor name or ID)")
        #expect(error([["name": "w", "flavor": "f", "image": "i", "replicas": -1]]) == "spec.nodePools[0].replicas: a whole number from 0 to 500, not -1")
        #expect(error([["name": "w", "flavor": "f", "image": "i", "serverGroupPolicy": "affinity"]]) == "spec.nodePools[0].serverGroupPolicy: anti-affinity or soft-anti-affinity, not \"affinity\"")
        #expect(error([["name": "w", "flavor": "f", "image": "i", "rollingUpdate": ["maxSurge": 0, "maxUnavailable": 0]]])
                == "spec.nodePools[0].rollingUpdate: maxSurge and maxUnavailable may not both be 0 (nothing could be replaced)")
        #expect(error([["name": "w", "flavor": "f", "image": "i", "health": ["maxUnhealthy": "140%"]]])?.hasPrefix("spec.nodePools[0].health.maxUnhealthy:") == true)
        #expect(error([["name": "w", "flavor": "f", "image": "i", "health": ["unhealthyConditions": [["type": "Ready", "status": "False", "for": "5 minutes"]]]]])
                == "spec.nodePools[0].health.unhealthyConditions[0].for: a duration such as 300s or 5m, not \"5 minutes\"")
        #expect(error([["name": "w", "flavor": "f", "image": "i"], ["name": "w", "flavor": "f", "image": "i"]]) == "spec.nodePools[1].name: \"w\" is used by another pool")
        #expect(error([["name": "w", "flavor": "f", "image": "i", "taints": [["key": "gpu", "effect": "Never"]]]])
                == "spec.nodePools[0].taints[0].effect: NoSchedule, PreferNoSchedule or NoExecute, not \"Never\"")
        #expect(error([["name": "w", "flavor": "f", "image": "i", "health": ["unhealthyConditions": [["type": "Ready", "status": "False", "for": "1h30m"]]]]]) == nil)
        #expect(error([["name": "w", "flavor": "f", "image": "i", "userDataTemplate": "Boot_Strap"]])
                == "spec.nodePools[0].userDataTemplate: the name of a ConfigMap in the Cluster's namespace, not \"Boot_Strap\"")
        #expect(error([["name": "w", "flavor": "f", "image": "i", "userDataTemplate": "boot", "userDataSecrets": ["../other"]]])
                == "spec.nodePools[0].userDataSecrets[0]: the name of a Secret in the Cluster's namespace, not \"../other\"")
        #expect(error([["name": "w", "flavor": "f", "image": "i", "userDataSecrets": ["token"]]])
                == "spec.nodePools[0].userDataSecrets: only with userDataTemplate (nothing would read them)")
        #expect(error([["name": "w", "flavor": "f", "image": "i", "userDataTemplate": "boot.v2", "userDataSecrets": ["join-token"]]]) == nil)
    }

    @Test func durationsAndPercentages() {
        #expect(NodePool.duration("90s") == .seconds(90) && NodePool.duration("5m") == .seconds(300) && NodePool.duration("1h30m") == .seconds(5400))
        #expect(NodePool.duration("5") == nil && NodePool.duration("m") == nil && NodePool.duration("") == nil)
        #expect(CountOrPercent.percent(25).resolve(total: 10, roundUp: true) == 3 && CountOrPercent.percent(25).resolve(total: 10, roundUp: false) == 2)
    }
}
