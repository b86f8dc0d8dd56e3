import KubernetesModel

/// What rendering knows about a workload cluster: the `cluster` object of the template context.
public struct ClusterFacts: Sendable, Hashable {
    public var name: String
    public var project: String
    public var labels: [String: String]
    public var region: String
    public var availabilityZones: [String]
    public var kubernetesVersion: SemanticVersion
    /// The API server URL as nodes reach it (`https://10.0.0.10:6443`).
    public var apiEndpoint: String
    public var podCIDR: String
    public var serviceCIDR: String
    public var objectStorage: ObjectStorage?
    /// The management-plane namespace holding this cluster's Secrets (credentials); nil: the
    /// secret source's default.
    public var secretNamespace: String?
    /// Anything else a template may need (`cluster.extras.KEY`).
    public var extras: JSONValue

    public struct ObjectStorage: Sendable, Hashable {
        public var endpoint: String
        public var bucket: String
        public var region: String?
        public init(endpoint: String, bucket: String, region: String? = nil) {
            self.endpoint = endpoint
            self.bucket = bucket
            self.region = region
        }
    }

    public init(name: String, project: String, labels: [String: String] = [:], region: String, availabilityZones: [String],
                kubernetesVersion: SemanticVersion, apiEndpoint: String, podCIDR: String, serviceCIDR: String,
                objectStorage: ObjectStorage? = nil, secretNamespace: String? = nil, extras: JSONValue = .emptyObject) {
        self.name = name
        self.project = project
        self.labels = labels
        self.region = region
        self.availabilityZones = availabilityZones
        self.kubernetesVersion = kubernetesVersion
        self.apiEndpoint = apiEndpoint
        self.podCIDR = podCIDR
        self.serviceCIDR = serviceCIDR
        self.objectStorage = objectStorage
        self.secretNamespace = secretNamespace
        self.extras = extras
    }

    /// The facts as the template sees them (`cluster.name`, `cluster.kubernetesVersion.minor`, ...).
    public var templateValue: JSONValue {
        var v: JSONValue = [
            "name": .string(name),
            "project": .string(project),
            "labels": .object(labels.mapValues { .string($0) }),
            "region": .string(region),
            "availabilityZones": .array(availabilityZones.map { .string($0) }),
            "kubernetesVersion": [
                "full": .string(kubernetesVersion.description),
                "major": .int(Int64(kubernetesVersion.major)),
                "minor": .int(Int64(kubernetesVersion.minor)),
                "patch": .int(Int64(kubernetesVersion.patch)),
            ],
            "apiEndpoint": .string(apiEndpoint),
            "podCIDR": .string(podCIDR),
            "serviceCIDR": .string(serviceCIDR),
            "extras": extras,
        ]
        if let objectStorage {
            v["objectStorage"] = [
                "endpoint": .string(objectStorage.endpoint),
                "bucket": .string(objectStorage.bucket),
                "region": objectStorage.region.map { .string($0) } ?? .string(region),
            ]
        } else {
            v["objectStorage"] = .null
        }
        return v
    }
}
