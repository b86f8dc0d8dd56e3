import AddonController
import Foundation
import Hummingbird
import KubernetesClient
import KubernetesModel
import Logging
import Prometheus

/// The manager's own HTTP endpoints: `/metrics` (Prometheus), `/healthz`, `/readyz` and
/// `/debug/clusters` (every cluster controller's state). Addon status is not served here: it
/// is in the ClusterAddons on the management API server, behind its authentication
/// (`addonctl status`, `kubectl get clusteraddons`).
enum ManagerEndpoints {
    /// - nodePoolSeries: the provisioning loop's series (`NodePoolExposition`), when it runs here.
    static func application(port: Int, host: String, registry: PrometheusCollectorRegistry, starter: ControllerStarter,
                            nodePoolSeries: @escaping @Sendable () async -> String = { "" },
                            logger: Logger, ready: @escaping @Sendable () async -> Bool) -> some ApplicationProtocol {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            var body = ByteBuffer(bytes: registry.emitToBuffer())
            body.writeString(AddonHealthExposition.render(await starter.controllers()))
            body.writeString(await nodePoolSeries())
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: body))
        }
        router.get("/healthz") { _, _ in "ok" }
        router.get("/readyz") { _, _ -> Response in
            await ready() ? Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok")))
                : Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "not ready")))
        }
        router.get("/debug/clusters") { _, _ -> Response in
            var clusters: [JSONValue] = []
            for (key, info) in await starter.controllers().sorted(by: { $0.key.description < $1.key.description }) {
                var entry: JSONValue = ["cluster": .string(key.description), "controller": .string(info.phase.rawValue), "restarts": .int(Int64(info.restarts))]
                if let error = info.lastError { entry["lastError"] = .string(error) }
                if let since = info.runningSince { entry["runningSince"] = .string(KubeTime.format(since)) }
                if let summary = info.summary {
                    if let contact = summary.lastContact { entry["lastContact"] = .string(KubeTime.format(contact)) }
                    if let since = summary.unreachableSince { entry["unreachableSince"] = .string(KubeTime.format(since)) }
                    if let error = summary.lastError { entry["lastReconcileError"] = .string(error) }
                    entry["addons"] = .object(summary.phases.mapValues { .string($0.rawValue) })
                    entry["addonReconciles"] = .int(Int64(summary.addonReconciles))
                }
                clusters.append(entry)
            }
            return json(["clusters": .array(clusters)])
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "addon-manager"), logger: logger)
    }

    private static func json(_ value: JSONValue) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: value.prettyJSONString(indent: 2) + "\n")))
    }
}
