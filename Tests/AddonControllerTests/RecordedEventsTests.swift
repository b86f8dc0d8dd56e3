import KubernetesModel
import Testing
@testable import AddonController

/// The Events a recorder remembers to update on a repeat: kept whole but for their
/// managedFields, forgotten least recently used first.
struct RecordedEventsTests {
    static func key(_ n: Int) -> RecordedEvents.Key {
        RecordedEvents.Key(namespace: "dev", kind: "ClusterAddon", name: "c1-base", type: "Normal", reason: "Reapplied", message: "pass \(n)")
    }

    static func event(_ name: String) -> KubeObject {
        var event = KubeObject(apiVersion: "v1", kind: "Event", name: name, namespace: "dev")
        event.body.setValue("42", at: ["metadata", "resourceVersion"])
        event.body.setValue([["manager": "addon-manager", "operation": "Update", "fieldsV1": ["f:count": [:]]]], at: ["metadata", "managedFields"])
        event["count"] = 2
        event["involvedObject"] = ["kind": "ClusterAddon", "name": "c1-base", "namespace": "dev"]
        return event
    }

    @Test func anEventComesBackAsWrittenWithoutItsManagedFields() async {
        let recorded = RecordedEvents()
        await recorded.remember(Self.event("c1-base.1"), for: Self.key(1))
        let kept = await recorded.event(for: Self.key(1))
        var expected = Self.event("c1-base.1")
        expected.body.removeValue(at: ["metadata", "managedFields"])
        #expect(kept == expected)
        #expect(kept?.resourceVersion == "42")
        #expect(await recorded.event(for: Self.key(2)) == nil)
    }

    @Test func theLeastRecentlyUsedIsForgottenPastTheCapacity() async {
        let recorded = RecordedEvents()
        for n in 0..<RecordedEvents.capacity { await recorded.remember(Self.event("e\(n)"), for: Self.key(n)) }
        _ = await recorded.event(for: Self.key(0))  // used again: no longer the oldest
        await recorded.remember(Self.event("new"), for: Self.key(RecordedEvents.capacity))
        #expect(await recorded.event(for: Self.key(0)) != nil)
        #expect(await recorded.event(for: Self.key(1)) == nil)
        #expect(await recorded.event(for: Self.key(RecordedEvents.capacity))?.name == "new")
    }
}
