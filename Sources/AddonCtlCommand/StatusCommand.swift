import AddonController
import ArgumentParser
import Foundation
import KubernetesClient
import KubernetesModel

/// `addonctl status [CLUSTER]`: clusters and their addons — version, phase, and the reason when
/// not healthy — from the ClusterAddons of the management plane. Users see the projects their
/// kubeconfig may read.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the addons of clusters: version, phase, and why when not healthy.")

    @OptionGroup var connection: KubeConnectionOptions

    @Argument(help: "Only this cluster.")
    var cluster: String?

    @Flag(name: [.customShort("A"), .customLong("all-namespaces")], help: "Every project (namespace) you may read.")
    var allNamespaces = false

    @Option(name: [.customShort("o"), .long], help: "Output: table (default), json or yaml.")
    var output: String = "table"

    @Flag(help: "Print again whenever something changes (Ctrl-C to stop).")
    var watch = false

    mutating func validate() throws {
        guard ["table", "json", "yaml"].contains(output) else { throw ValidationError("unsupported output format \"\(output)\" (use table, json or yaml)") }
    }

    func run() async throws {
        try await withKubeClient(connection) { client in
            let namespace = allNamespaces ? nil : (connection.namespace ?? client.defaultNamespace)
            var list = try await fetch(client, namespace: namespace)
            KubeConsole.standard.out(format(list.items))
            guard watch else { return }
            var resourceVersion = list.resourceVersion
            while !Task.isCancelled {
                do {
                    let events = try await client.watch(ManagementKinds.clusterAddon, namespace: namespace,
                                                        options: WatchOptions(resourceVersion: resourceVersion, timeoutSeconds: 300))
                    for try await event in events {
                        if let rv = event.resourceVersion { resourceVersion = rv }
                        guard let object = event.object else { continue }
                        let key = "\(object.namespace ?? "")/\(object.name)"
                        list.items.removeAll { "\($0.namespace ?? "")/\($0.name)" == key }
                        if case .deleted = event {} else { list.items.append(object) }
                        // Each table at once, also when the output is a pipe (`--watch | tee`).
                        KubeConsole.standard.out("\n" + format(list.items))
                    }
                } catch let error as KubernetesError where error.isGone {
                    list = try await fetch(client, namespace: namespace)
                    resourceVersion = list.resourceVersion
                }
            }
        }
    }

    private func fetch(_ client: KubernetesClient, namespace: String?) async throws -> KubeObjectList {
        do {
            return try await client.list(ManagementKinds.clusterAddon, namespace: namespace, options: ListOptions())
        } catch let error as KubernetesError where error.kind == .unknownKind {
            throw KubeCommandError("this cluster has no ClusterAddons (\(ManagementKinds.clusterAddon.groupKind)): is it an addon-manager management plane?")
        }
    }

    private func format(_ items: [KubeObject]) -> String {
        let rows = AddonStatusTable.rows(items, cluster: cluster)
        switch output {
        case "json": return JSONValue.array(rows.map(\.json)).prettyJSONString(indent: 2) + "\n"
        case "yaml": return YAML.emit(.array(rows.map(\.json)))
        default:
            if rows.isEmpty { return cluster.map { "No addons found for cluster \($0).\n" } ?? "No addons found.\n" }
            return AddonStatusTable.render(rows, showProject: allNamespaces) + AddonStatusTable.summary(rows) + "\n"
        }
    }
}
