import KubernetesModel
import Testing
@testable import KubernetesClient

@Suite struct DiscoveryDocumentTests {
    /// Shapes as a v1.24 server answers them (`singularName` empty, subresources as `name/sub`).
    static let apiVersions: JSONValue = try! JSONValue.parse(#"{"kind":"APIVersions","versions":["v1"]}"#)
    static let coreV1: JSONValue = try! JSONValue.parse(#"""
        {"kind":"APIResourceList","groupVersion":"v1","resources":[
          {"name":"configmaps","singularName":"","namespaced":true,"kind":"ConfigMap","verbs":["create","delete","get","list","patch","update","watch"],"shortNames":["cm"]},
          {"name":"namespaces","singularName":"","namespaced":false,"kind":"Namespace","verbs":["create","delete","get","list","patch","update","watch"],"shortNames":["ns"]},
          {"name":"namespaces/status","singularName":"","namespaced":false,"kind":"Namespace","verbs":["get","patch","update"]},
          {"name":"pods","singularName":"","namespaced":true,"kind":"Pod","verbs":["get","list"],"shortNames":["po"],"categories":["all"]},
          {"name":"pods/log","singularName":"","namespaced":true,"kind":"Pod","verbs":["get"]}]}
        """#)
    static let groupList: JSONValue = try! JSONValue.parse(#"""
        {"kind":"APIGroupList","apiVersion":"v1","groups":[
          {"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}],"preferredVersion":{"groupVersion":"apps/v1","version":"v1"}},
          {"name":"events.k8s.io","versions":[{"groupVersion":"events.k8s.io/v1beta1","version":"v1beta1"},{"groupVersion":"events.k8s.io/v1","version":"v1"}],"preferredVersion":{"groupVersion":"events.k8s.io/v1","version":"v1"}}]}
        """#)
    static let appsV1: JSONValue = try! JSONValue.parse(#"""
        {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"apps/v1","resources":[
          {"name":"deployments","singularName":"","namespaced":true,"kind":"Deployment","verbs":["create","get","list","patch","watch"],"shortNames":["deploy"],"categories":["all"]},
          {"name":"deployments/scale","singularName":"","namespaced":true,"group":"autoscaling","version":"v1","kind":"Scale","verbs":["get","patch","update"]},
          {"name":"deployments/status","singularName":"","namespaced":true,"kind":"Deployment","verbs":["get","patch","update"]}]}
        """#)
    static let aggregated: JSONValue = try! JSONValue.parse(#"""
        {"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2","metadata":{},"items":[
          {"metadata":{"name":"apps"},"versions":[{"version":"v1","freshness":"Current","resources":[
            {"resource":"deployments","responseKind":{"group":"","version":"","kind":"Deployment"},"scope":"Namespaced","singularResource":"deployment",
             "verbs":["create","get","list","patch","watch"],"shortNames":["deploy"],"categories":["all"],
             "subresources":[{"subresource":"status","responseKind":{"group":"","version":"","kind":"Deployment"},"verbs":["get","patch"]},{"subresource":"scale","verbs":["get"]}]}]}]},
          {"metadata":{"name":"example.com"},"versions":[
            {"version":"v2","freshness":"Current","resources":[{"resource":"widgets","responseKind":{"group":"example.com","version":"v2","kind":"Widget"},"scope":"Cluster","singularResource":"widget","verbs":["get","list"]}]},
            {"version":"v1","freshness":"Stale"}]}]}
        """#)

    @Test func legacyDocumentsFoldSubresourcesAndOrderPreferredVersionsFirst() throws {
        let core = DiscoveredAPIs.parseResourceList(Self.coreV1)
        #expect(core.map(\.name) == ["configmaps", "namespaces", "pods"])
        let namespaces = try #require(core.first { $0.name == "namespaces" })
        #expect(namespaces.subresources == ["status"])
        #expect(!namespaces.namespaced)
        #expect(core.first { $0.name == "pods" }?.subresources == ["log"])
        let groups = DiscoveredAPIs.parseGroupList(Self.groupList)
        #expect(groups.map(\.name) == ["apps", "events.k8s.io"])
        #expect(groups[1].versions == ["v1", "v1beta1"])
        #expect(DiscoveredAPIs.parseAPIVersions(Self.apiVersions).versions == ["v1"])
        let apps = DiscoveredAPIs.parseResourceList(Self.appsV1)
        #expect(apps.count == 1)
        #expect(apps[0].subresources == ["status", "scale"])
        #expect(apps[0].groupVersion == GroupVersion(group: "apps", version: "v1"))
    }

    @Test func aggregatedDocumentGivesResourcesAndMarksStaleVersions() throws {
        #expect(DiscoveredAPIs.isAggregated(Self.aggregated))
        #expect(!DiscoveredAPIs.isAggregated(Self.groupList))
        let apis = DiscoveredAPIs.parseAggregated(Self.aggregated)
        let deployment = try #require(apis.resource(for: GroupVersionKind(group: "apps", version: "v1", kind: "Deployment")))
        #expect(deployment.name == "deployments")
        #expect(deployment.singularName == "deployment")
        #expect(deployment.namespaced)
        #expect(deployment.hasStatus)
        #expect(deployment.subresources == ["status", "scale"])
        let widget = try #require(apis.resource(for: GroupVersionKind(group: "example.com", version: "v2", kind: "Widget")))
        #expect(!widget.namespaced)
        #expect(apis.groups.first { $0.name == "example.com" }?.versions == ["v2", "v1"])
        #expect(apis.failedGroupVersions.keys.contains(GroupVersion(group: "example.com", version: "v1")))
    }

    @Test func kubectlNamesResolveToResources() {
        var apis = DiscoveredAPIs(groups: [DiscoveredAPIs.parseAPIVersions(Self.apiVersions)] + DiscoveredAPIs.parseGroupList(Self.groupList),
                                  resources: DiscoveredAPIs.parseResourceList(Self.coreV1) + DiscoveredAPIs.parseResourceList(Self.appsV1))
        apis.add(APIResource(groupVersion: GroupVersion(group: "events.k8s.io", version: "v1beta1"), name: "events", singularName: "", kind: "Event", namespaced: true, verbs: ["get"]))
        apis.add(APIResource(groupVersion: GroupVersion(group: "events.k8s.io", version: "v1"), name: "events", singularName: "", kind: "Event", namespaced: true, verbs: ["get"]))
        for name in ["deployments", "deployment", "deploy", "Deployment", "deployments.apps", "deploy.apps", "deployments.v1.apps", "DEPLOYMENTS"] {
            #expect(apis.resources(matching: name).first?.name == "deployments", "\(name)")
        }
        for name in ["cm", "configmap", "ConfigMap", "configmaps"] {
            #expect(apis.resources(matching: name).first?.groupVersion == GroupVersion(group: "", version: "v1"), "\(name)")
        }
        #expect(apis.resources(matching: "events").first?.groupVersion.version == "v1", "preferred version first")
        #expect(apis.resources(matching: "events.v1beta1.events.k8s.io").first?.groupVersion.version == "v1beta1")
        #expect(apis.resources(matching: "widgets").isEmpty)
        #expect(apis.resources(matching: "deployments.example.com").isEmpty)
    }

    @Test func pathsOfNamespacedAndClusterScopedResources() {
        let cm = APIResource(groupVersion: GroupVersion(group: "", version: "v1"), name: "configmaps", singularName: "", kind: "ConfigMap", namespaced: true, verbs: [])
        #expect(cm.collectionPath(namespace: "kube-system") == "/api/v1/namespaces/kube-system/configmaps")
        #expect(cm.collectionPath(namespace: nil) == "/api/v1/configmaps")
        #expect(cm.objectPath(name: "a", namespace: "ns") == "/api/v1/namespaces/ns/configmaps/a")
        let crb = APIResource(groupVersion: GroupVersion(group: "rbac.authorization.k8s.io", version: "v1"), name: "clusterroles", singularName: "", kind: "ClusterRole", namespaced: false, verbs: [])
        #expect(crb.objectPath(name: "system:admin", namespace: "ignored", subresource: "status") == "/apis/rbac.authorization.k8s.io/v1/clusterroles/system:admin/status")
        #expect(PathEscaping.queryValue("a in (x,y),!b") == "a%20in%20%28x%2Cy%29%2C%21b")
    }

    @Test func watchLinesDecodeToEvents() throws {
        let kind = GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")
        let context = KubernetesError.RequestContext(cluster: "c", server: "https://x", verb: "watch")
        let added = try WatchDecoder.decode(Array(#"{"type":"ADDED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"7"}}}"#.utf8)[...], kind: kind, context: context)
        #expect(added?.object?.name == "a")
        #expect(added?.resourceVersion == "7")
        #expect(added?.type == "ADDED")
        let bookmark = try WatchDecoder.decode(Array(#"{"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"12"}}}"#.utf8)[...], kind: kind, context: context)
        #expect(bookmark == .bookmark(resourceVersion: "12"))
        #expect(try WatchDecoder.decode(Array("  \r".utf8)[...], kind: kind, context: context) == nil)
        #expect {
            try WatchDecoder.decode(Array(#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 1 (40)","reason":"Expired","code":410}}"#.utf8)[...], kind: kind, context: context)
        } throws: { error in
            (error as? KubernetesError)?.isGone == true
        }
    }
}
