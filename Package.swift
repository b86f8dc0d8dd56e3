// swift-tools-version:6.1
import Foundation
import PackageDescription

// Modules, bottom to top (dependencies point one way):
//   KubernetesModel  ← KubernetesClient, LocalKube, AddonCatalog
//   KubernetesClient ← ControllerRuntime ← AddonController ← executables
//   Infrastructure (OpenStack and other VM providers) stands alone.
// No product module imports LocalKube: only the `dev` / `localkube` commands and tests do.

let swiftSettings: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "addon-manager",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "addon-manager", targets: ["AddonManagerCommand"]),
        .executable(name: "addonctl", targets: ["AddonCtlCommand"]),
        .library(name: "KubernetesModel", targets: ["KubernetesModel"]),
        .library(name: "KubernetesClient", targets: ["KubernetesClient"]),
        .library(name: "StructuredMerge", targets: ["StructuredMerge"]),
        .library(name: "LocalKube", targets: ["LocalKube"]),
        .library(name: "AddonCatalog", targets: ["AddonCatalog"]),
        .library(name: "ControllerRuntime", targets: ["ControllerRuntime"]),
        .library(name: "AddonController", targets: ["AddonController"]),
        .library(name: "Infrastructure", targets: ["Infrastructure"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/stencilproject/Stencil.git", from: "0.15.1"),
    ],
    targets: [
        // The Kubernetes model: unstructured objects, Status, kinds, label selectors, field sets, YAML.
        .target(
            name: "KubernetesModel",
            dependencies: [
                "CZlib",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The Kubernetes client: kubeconfig, transport, discovery, CRUD, server-side apply, watch.
        .target(
            name: "KubernetesClient",
            dependencies: [
                "KubernetesModel",
                "CSystemMemory",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // Infrastructure providers: the protocol the provisioning loop creates and deletes VMs through,
        // and its OpenStack implementation (Keystone v3, Nova, Glance and Neutron look-ups over REST).
        // Stands alone: no dependency on the other modules of the package.
        .target(
            name: "Infrastructure",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Structured merge: typed field sets, server-side apply merge and ownership, patches (what the
        // API server does with a write). Used by LocalKube; pure logic on the model.
        .target(
            name: "StructuredMerge",
            dependencies: ["KubernetesModel"],
            swiftSettings: swiftSettings
        ),
        // LocalKube: an in-process Kubernetes API server (tests and the embedded `dev` mode).
        .target(
            name: "LocalKube",
            dependencies: [
                "KubernetesModel",
                "StructuredMerge",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources/openapi-v2-definitions.json")],
            swiftSettings: swiftSettings
        ),
        // zlib (the system's libz): published addon versions too large for one API object are compressed.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // The system's memory calls Swift cannot import as declared: mallopt (malloc.h), mremap (variadic), madvise wrappers.
        .systemLibrary(name: "CSystemMemory", path: "Sources/CSystemMemory"),
        // The addon catalog: definitions, values schema, rendering, channels.
        .target(
            name: "AddonCatalog",
            dependencies: [
                "KubernetesModel",
                "CZlib",
                .product(name: "Stencil", package: "Stencil"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The controller runtime: work queue, informers, reconciler protocol, leases. Knows nothing of addons.
        .target(
            name: "ControllerRuntime",
            dependencies: [
                "KubernetesModel",
                "KubernetesClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The addon controller: controller starter, per-cluster reconcile, health, status, metrics.
        .target(
            name: "AddonController",
            dependencies: [
                "KubernetesModel",
                "KubernetesClient",
                "ControllerRuntime",
                "AddonCatalog",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/crds")],
            swiftSettings: swiftSettings
        ),
        // The provisioning and healing loop: node pools, Machines, their health (pure decisions
        // first; the controllers and providers build on them).
        .target(
            name: "ClusterLifecycle",
            dependencies: ["KubernetesModel", "KubernetesClient", "ControllerRuntime", "AddonController", "AddonCatalog", "Infrastructure",
                           .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics")],
            swiftSettings: swiftSettings
        ),
        // The status API and page for users: project-scoped views of the management plane's
        // watches, access decided by the management plane (TokenReview, SubjectAccessReview).
        .target(
            name: "StatusAPI",
            dependencies: [
                "KubernetesModel",
                "KubernetesClient",
                "ControllerRuntime",
                "AddonCatalog",
                "AddonController",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The embedded default: LocalKube as the management plane plus simulated workload
        // clusters, wired to the controllers (`addon-manager dev` and the end-to-end tests).
        .target(
            name: "DevFleet",
            dependencies: [
                "KubernetesModel",
                "KubernetesClient",
                "LocalKube",
                "AddonCatalog",
                "AddonController",
                "Infrastructure",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "AddonManagerCommand",
            dependencies: [
                "CSystemMemory",
                "KubernetesModel",
                "KubernetesClient",
                "LocalKube",
                "AddonCatalog",
                "ControllerRuntime",
                "AddonController",
                "DevFleet",
                "StatusAPI",
                "ClusterLifecycle",
                "Infrastructure",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "AddonCtlCommand",
            dependencies: [
                "KubernetesModel",
                "KubernetesClient",
                "AddonCatalog",
                "AddonController",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // What several test targets share: waiting on a process's output, finding built executables.
        // The LocalKube fixture (one server and cluster, raw HTTPS and our client), `eventually`, the log recorder.
        .target(name: "TestSupport", dependencies: ["Infrastructure", "LocalKube", "KubernetesClient", "KubernetesModel",
                                                    .product(name: "Logging", package: "swift-log"), .product(name: "Yams", package: "Yams"),
                                                    .product(name: "AsyncHTTPClient", package: "async-http-client"),
                                                    .product(name: "NIOSSL", package: "swift-nio-ssl")],
                path: "Tests/TestSupport", swiftSettings: swiftSettings),
        // The command lines the documents show and the executables' behaviour as processes.
        .testTarget(
            name: "CommandLineTests",
            dependencies: ["AddonManagerCommand", "AddonCtlCommand", "KubernetesModel", "LocalKube", "TestSupport",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "KubernetesModelTests", dependencies: ["KubernetesModel"], swiftSettings: swiftSettings),
        .testTarget(name: "StructuredMergeTests", dependencies: ["StructuredMerge", "KubernetesModel"], swiftSettings: swiftSettings),
        .testTarget(
            name: "KubernetesClientTests",
            dependencies: ["KubernetesClient", "LocalKube", "KubernetesModel", "AddonCtlCommand", "AddonCatalog", "AddonController", "DevFleet", "TestSupport",
                           .product(name: "MetricsTestKit", package: "swift-metrics"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOEmbedded", package: "swift-nio"),
                           .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                           .product(name: "NIOHPACK", package: "swift-nio-http2"),
                           .product(name: "NIOSSL", package: "swift-nio-ssl")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LocalKubeTests",
            dependencies: [
                "LocalKube", "KubernetesClient", "KubernetesModel", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            exclude: ["Conformance/KNOWN-DIFFERENCES.md", "Conformance/VALIDATION-COVERAGE.md"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AddonCatalogTests",
            dependencies: ["AddonCatalog", "KubernetesModel", "LocalKube", "KubernetesClient"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ControllerRuntimeTests",
            dependencies: ["ControllerRuntime", "KubernetesClient", "LocalKube", "KubernetesModel", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AddonControllerTests",
            dependencies: ["AddonController", "AddonCatalog", "ControllerRuntime", "KubernetesClient", "LocalKube", "KubernetesModel", "DevFleet", "TestSupport",
                           .product(name: "AsyncHTTPClient", package: "async-http-client")],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "ClusterLifecycleTests",
                    dependencies: ["ClusterLifecycle", "KubernetesModel", "KubernetesClient", "Infrastructure", "LocalKube", "DevFleet", "AddonController", "AddonCatalog", "TestSupport"],
                    swiftSettings: swiftSettings),
        .testTarget(
            name: "InfrastructureTests",
            dependencies: [
                "Infrastructure", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StatusAPITests",
            dependencies: ["StatusAPI", "AddonController", "AddonCatalog", "KubernetesClient", "LocalKube", "KubernetesModel", "DevFleet", "TestSupport",
                           .product(name: "AsyncHTTPClient", package: "async-http-client")],
            swiftSettings: swiftSettings
        ),
    ]
)

// libFuzzer targets for the parsers that read outside input: built only by `Fuzz/run.sh`, which
// sets ADDON_MANAGER_FUZZ=1 and `-sanitize=fuzzer` (an ordinary build has no libFuzzer `main`).
if ProcessInfo.processInfo.environment["ADDON_MANAGER_FUZZ"] == "1" {
    package.products.append(.executable(name: "addon-manager-fuzz", targets: ["AddonManagerFuzz"]))
    package.targets.append(.executableTarget(
        name: "AddonManagerFuzz",
        dependencies: ["KubernetesModel", "KubernetesClient", "StructuredMerge", "AddonCatalog"],
        path: "Fuzz/Sources/AddonManagerFuzz",
        swiftSettings: swiftSettings + [.unsafeFlags(["-parse-as-library"])]
    ))
}
