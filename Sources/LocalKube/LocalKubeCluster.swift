import Foundation
import KubernetesModel
import Logging

/// One simulated Kubernetes cluster inside a `LocalKubeServer`: its own objects, resourceVersion
/// counter, watches, bearer token, simulated controllers and fault switches.
///
/// Tests and the dev mode control it directly (faults, nodes, workload failure) and read its
/// request counters; clients reach it over HTTPS at `baseURL`.
public actor LocalKubeCluster {
    public nonisolated let name: String
    /// The bearer token clients must present.
    public nonisolated let token: String
    /// `https://127.0.0.1:PORT/clusters/NAME`.
    public nonisolated let baseURL: String
    nonisolated let serverAddress: String
    /// Static users and their bearer tokens (`addUser`).
    nonisolated let users = UserDirectory()

    let logger: Logger
    var settings: ClusterSettings
    var faults = FaultSettings.none
    /// When true, every simulated workload stays unavailable (Jobs fail).
    var failingWorkloads = false

    var resourceVersion: Int64 = 1
    var store = ObjectStore()
    var history: EventHistory
    var customTypes: [ResourceType] = []
    var schemas = SchemaSet()
    var allocatedAddresses = 0
    var allocatedNodePorts = 0
    var watchers: [Int: Watcher] = [:]
    var nextWatcherID = 0
    var requestCounts: [RequestKind: Int] = [:]
    var requestLog = RequestLog<RequestRecord>()
    /// The last thousand requests the unreachable fault refused.
    var refusedLog = RequestLog<RefusedRequest>(capacity: 1000)
    var scheduler = ControllerSchedule()
    var timerTask: Task<Void, Never>?
    var timerDeadline: ContinuousClock.Instant?
    var isShutDown = false

    init(name: String, token: String, baseURL: String, serverAddress: String, settings: ClusterSettings, logger: Logger) {
        self.name = name
        self.token = token
        self.baseURL = baseURL
        self.serverAddress = serverAddress
        self.settings = settings
        self.history = EventHistory(capacity: settings.eventHistoryLimit)
        var logger = logger
        logger[metadataKey: "cluster"] = .string(name)
        self.logger = logger
    }

    /// Create the namespaces and nodes a fresh cluster has.
    func bootstrap() {
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            _ = try? createInternal(BuiltinResourceTypes.namespace, object: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns)]], manager: "kube-apiserver")
        }
        for i in 0..<settings.initialNodes { addNodeInternal(name: "node-\(i + 1)", labels: [:]) }
    }

    // MARK: Faults

    /// Replace the injected faults.
    public func setFaults(_ faults: FaultSettings) { self.faults = faults }
    public var currentFaults: FaultSettings { faults }

    /// Add latency to every request.
    public func setLatency(_ latency: Duration) { faults.latency = latency }

    /// Answer a fraction of requests with 500 (or 429 with Retry-After).
    public func setErrorRate(_ rate: Double, code: Int = 500, retryAfterSeconds: Int = 1) {
        faults.errorRate = rate
        faults.errorCode = code
        faults.retryAfterSeconds = retryAfterSeconds
    }

    /// Make the cluster unreachable (connections closed without an answer, open watches dropped) or reachable again.
    public func setUnreachable(_ unreachable: Bool) {
        faults.unreachable = unreachable
        if unreachable { dropWatches() }
    }

    /// End every open watch now (clients see the stream end and must resume).
    public func dropWatches() {
        let open = watchers.values
        watchers.removeAll()
        for w in open { w.close() }
    }

    /// Forget the change history up to now: a watch from any resourceVersion seen so far gets 410 Gone.
    public func compactHistory() { history.compact(upTo: resourceVersion) }

    // MARK: Simulated workloads

    /// Make every simulated workload of this cluster stay unavailable (Jobs fail), or healthy again.
    public func setWorkloadsFailing(_ failing: Bool) {
        failingWorkloads = failing
        rescheduleAllWorkloads()
    }

    /// How long workloads take to become ready after a change.
    public func setReadinessDelay(_ delay: Duration) { settings.readinessDelay = delay }

    // MARK: Nodes

    /// Add a Ready node (`providerID`: the VM it runs on, as a cloud provider would set it).
    public func addNode(name: String, labels: [String: String] = [:], providerID: String? = nil) {
        addNodeInternal(name: name, labels: labels, providerID: providerID)
        rescheduleAllWorkloads()
    }

    /// Set one condition of a node (`Ready` = `True`/`False`/`Unknown`, ...).
    public func setNodeCondition(node: String, type: String, status: String, reason: String? = nil) throws(LocalKubeError) {
        let key = BuiltinResourceTypes.node.key
        guard var obj = store.get(key, ObjectName(namespace: "", name: node)) else {
            throw LocalKubeError.objectNotFound(cluster: name, object: "Node \(node)")
        }
        var conditions = obj["status"]["conditions"].arrayValue ?? []
        let now = JSONValue.string(KubeTime.now())
        var entry: JSONValue = ["type": .string(type), "status": .string(status), "lastHeartbeatTime": now, "lastTransitionTime": now,
                                "reason": .string(reason ?? (status == "True" ? "KubeletReady" : "KubeletNotReady")), "message": ""]
        if let i = conditions.firstIndex(where: { $0["type"].stringValue == type }) {
            if conditions[i]["status"] == entry["status"] { entry["lastTransitionTime"] = conditions[i]["lastTransitionTime"] }
            conditions[i] = entry
        } else {
            conditions.append(entry)
        }
        obj.setValue(.array(conditions), at: ["status", "conditions"])
        _ = storeWrite(BuiltinResourceTypes.node, name: ObjectName(namespace: "", name: node), old: store.get(key, ObjectName(namespace: "", name: node)), new: obj)
    }

    /// Remove a node.
    public func removeNode(_ node: String) {
        let type = BuiltinResourceTypes.node
        let n = ObjectName(namespace: "", name: node)
        if let old = store.get(type.key, n) { removeObject(type, name: n, last: old) }
        rescheduleAllWorkloads()
    }

    // MARK: Counters

    /// Requests served, by verb (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`,
    /// `deletecollection`) and resource (`configmaps`, `deployments`, `deployments/status`; `/version`
    /// for `GET /version`); nil = any.
    public func requestCount(verb: String? = nil, resource: String? = nil) -> Int {
        requestCounts.reduce(0) { sum, entry in
            (verb == nil || entry.key.verb == verb) && (resource == nil || entry.key.resource == resource) ? sum + entry.value : sum
        }
    }

    /// Writes served (create, update, patch, delete, deletecollection), optionally of one resource.
    public func writeCount(resource: String? = nil) -> Int {
        requestCounts.reduce(0) { sum, entry in
            entry.key.isWrite && (resource == nil || entry.key.resource == resource) ? sum + entry.value : sum
        }
    }

    /// Every counter, keyed `verb resource`.
    public var requestCountsByVerbAndResource: [String: Int] {
        Dictionary(uniqueKeysWithValues: requestCounts.map { ("\($0.key.verb) \($0.key.resource)", $0.value) })
    }

    public func resetRequestCounts() { requestCounts.removeAll() }

    /// Keep the last `capacity` routed requests (0, the default, keeps none).
    public func setRequestLogCapacity(_ capacity: Int) { requestLog.resize(capacity) }

    /// The routed requests kept, oldest first.
    public var requestRecords: [RequestRecord] { requestLog.records }

    /// The requests the unreachable fault refused since `total` (a `refusedRequestCount` read
    /// before), of the last thousand, oldest first.
    public func refusedRequests(since total: Int = 0) -> [RefusedRequest] { Array(refusedLog.records(since: total)) }

    /// Requests the unreachable fault refused in all.
    public var refusedRequestCount: Int { refusedLog.appended }

    func recordRefused(_ request: APIRequest) {
        refusedLog.append(RefusedRequest(method: request.method, path: request.path, query: request.query))
    }

    // MARK: Direct access

    /// The stored object, if any (`group` "" for the core group; `resource` plural).
    public func object(group: String = "", resource: String, namespace: String? = nil, name: String) -> JSONValue? {
        store.get(ResourceKey(group: group, plural: resource), ObjectName(namespace: namespace ?? "", name: name))
    }

    /// All stored objects of a resource, in list order.
    public func objects(group: String = "", resource: String, namespace: String? = nil) -> [JSONValue] {
        store.list(ResourceKey(group: group, plural: resource), namespace: namespace).map(\.1)
    }

    /// The current resourceVersion of the cluster.
    public var currentResourceVersion: Int64 { resourceVersion }

    /// End every watch and timer: the cluster answers nothing more.
    func shutdown() {
        isShutDown = true
        dropWatches()
        timerTask?.cancel()
        timerTask = nil
    }
}

/// A (verb, resource) pair counted per request.
struct RequestKind: Hashable, Sendable {
    var verb: String
    var resource: String
    var isWrite: Bool { ["create", "update", "patch", "delete", "deletecollection"].contains(verb) }
}
