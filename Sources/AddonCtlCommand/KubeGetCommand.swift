import ArgumentParser
import Foundation
import KubernetesClient
import KubernetesModel

/// `addonctl kube get KIND [NAME...]`.
struct KubeGetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Show objects of a kind (plural, singular, short name, Kind or kind.group, as kubectl accepts).")

    @OptionGroup var connection: KubeConnectionOptions

    @Argument(help: "The kind: deployments, deployment, deploy, Deployment, deployments.apps, ...")
    var kind: String

    @Argument(help: "Names of objects (default: all).")
    var names: [String] = []

    @Flag(name: [.customShort("A"), .customLong("all-namespaces")], help: "List across all namespaces.")
    var allNamespaces = false

    @Option(name: [.customShort("l"), .long], help: "Label selector (a=b, a!=b, a in (x,y), a, !a).")
    var selector: String?

    @Option(name: .long, help: "Field selector (metadata.name=x, metadata.namespace!=y).")
    var fieldSelector: String?

    @Option(name: [.customShort("o"), .long], help: "Output format: yaml, json or name (default: a table).")
    var output: String?

    @Flag(name: .long, help: "Keep metadata.managedFields in yaml and json output (left out by default, as kubectl does).")
    var showManagedFields = false

    mutating func validate() throws {
        if let output, !["yaml", "json", "name", "wide"].contains(output) {
            throw ValidationError("unsupported output format \"\(output)\" (use yaml, json or name)")
        }
        if allNamespaces && !names.isEmpty { throw ValidationError("a name cannot be given with --all-namespaces") }
        if let selector {
            do { _ = try LabelSelector(parsing: selector) } catch { throw ValidationError(error.description) }
        }
    }

    func run() async throws { try await execute(on: .standard) }

    func execute(on console: KubeConsole) async throws {
        let objects: [KubeObject]
        let resource: APIResource
        (resource, objects) = try await withKubeClient(connection) { client in
            let resource: APIResource
            do {
                resource = try await client.resource(named: kind)
            } catch let error as KubernetesError where error.kind == .unknownKind {
                throw KubeCommandError("the server doesn't have a resource type \"\(kind)\"")
            }
            let gvk = resource.groupVersionKind
            do {
                if names.isEmpty {
                    let namespace = allNamespaces ? nil : (connection.namespace ?? client.defaultNamespace)
                    let list = try await client.list(gvk, namespace: namespace, options: ListOptions(labelSelector: selector, fieldSelector: fieldSelector))
                    return (resource, list.items)
                }
                var found: [KubeObject] = []
                var missing: [String] = []
                for name in names {
                    do {
                        found.append(try await client.get(gvk, name: name, namespace: connection.namespace))
                    } catch let error as KubernetesError where error.isNotFound {
                        missing.append(error.kubectlStyle)
                    }
                }
                if !missing.isEmpty {
                    if !found.isEmpty { console.out(render(found, resource: resource, single: false)) }
                    console.err(missing.joined(separator: "\n"))
                    throw ExitCode(1)
                }
                return (resource, found)
            } catch let error as KubernetesError {
                console.err(error.kubectlStyle)
                throw ExitCode(1)
            }
        }
        if objects.isEmpty && output == nil {
            let scope = resource.namespaced && !allNamespaces ? " in \(connection.namespace ?? "the default") namespace" : ""
            console.err("No resources found\(scope).")
            return
        }
        let text = render(objects, resource: resource, single: names.count == 1)
        if !text.isEmpty { console.out(text) }
    }

    private func render(_ objects: [KubeObject], resource: APIResource, single: Bool) -> String {
        let objects = showManagedFields ? objects : objects.map { object in
            var object = object
            object.managedFields = []
            return object
        }
        switch output {
        case "yaml":
            return YAML.emit(single ? objects[0].body : listBody(objects)).trimmingSuffixNewlines()
        case "json":
            return (single ? objects[0].body : listBody(objects)).prettyJSONString()
        case "name":
            return objects.map(KubeObjectNames.slashName).joined(separator: "\n")
        default:
            return table(objects, resource: resource)
        }
    }

    private func listBody(_ objects: [KubeObject]) -> JSONValue {
        ["apiVersion": "v1", "kind": "List", "items": .array(objects.map(\.body)), "metadata": ["resourceVersion": ""]]
    }

    private func table(_ objects: [KubeObject], resource: APIResource) -> String {
        var rows: [[String]] = []
        let showNamespace = allNamespaces && resource.namespaced
        rows.append((showNamespace ? ["NAMESPACE"] : []) + ["NAME", "AGE"])
        let now = Date()
        for object in objects {
            let age = object.creationTimestamp.flatMap(KubeTime.parse).map { Self.age(now.timeIntervalSince($0)) } ?? "<unknown>"
            rows.append((showNamespace ? [object.namespace ?? ""] : []) + [object.name, age])
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index] + 3, withPad: " ", startingAt: 0)
            }.joined()
        }.joined(separator: "\n")
    }

    /// kubectl's short ages: 45s, 12m, 5h, 3d.
    static func age(_ seconds: TimeInterval) -> String {
        let s = max(0, Int(seconds))
        if s < 120 { return "\(s)s" }
        if s < 3600 * 2 { return "\(s / 60)m" }
        if s < 86400 * 2 { return "\(s / 3600)h" }
        return "\(s / 86400)d"
    }
}

extension String {
    func trimmingSuffixNewlines() -> String {
        var s = self
        while s.hasSuffix("\n") { s.removeLast() }
        return s
    }
}
