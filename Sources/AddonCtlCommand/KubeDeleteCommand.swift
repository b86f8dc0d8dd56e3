import ArgumentParser
import Foundation
import KubernetesClient
import KubernetesModel

/// `addonctl kube delete -f FILE` / `addonctl kube delete KIND NAME...`.
struct KubeDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete the objects of manifest files, or objects of a kind by name.")

    @OptionGroup var connection: KubeConnectionOptions

    @Option(name: [.customShort("f"), .long], help: "A manifest file, a directory of them, or - (repeatable).")
    var filename: [String] = []

    @Flag(name: [.customShort("R"), .long], help: "Read directories recursively.")
    var recursive = false

    @Argument(help: "KIND NAME... (when no -f is given).")
    var arguments: [String] = []

    @Flag(name: .long, help: "Treat objects that do not exist as deleted.")
    var ignoreNotFound = false

    @Flag(name: .long, help: "Ask the server what it would do (dryRun=All); delete nothing.")
    var dryRun = false

    @Option(name: .long, help: "Background, Foreground or Orphan.")
    var cascade: String = "background"

    mutating func validate() throws {
        if filename.isEmpty && arguments.count < 2 { throw ValidationError("give -f FILE_OR_DIR, or KIND NAME...") }
        if !filename.isEmpty && !arguments.isEmpty { throw ValidationError("give either -f or KIND NAME, not both") }
        if policy == nil { throw ValidationError("--cascade must be background, foreground or orphan") }
    }

    private var policy: DeleteOptions.PropagationPolicy? {
        switch cascade.lowercased() {
        case "background", "true": return .background
        case "foreground": return .foreground
        case "orphan", "false": return .orphan
        default: return nil
        }
    }

    func run() async throws { try await execute(on: .standard) }

    func execute(on console: KubeConsole) async throws {
        let options = DeleteOptions(propagationPolicy: policy, dryRun: dryRun)
        let failures = try await withKubeClient(connection) { client -> Int in
            var targets: [Target] = []
            if filename.isEmpty {
                let resource: APIResource
                do {
                    resource = try await client.resource(named: arguments[0])
                } catch let error as KubernetesError where error.kind == .unknownKind {
                    throw KubeCommandError("the server doesn't have a resource type \"\(arguments[0])\"")
                }
                for name in arguments.dropFirst() {
                    targets.append(Target(kind: resource.groupVersionKind, name: name, namespace: connection.namespace, location: "", rank: 0))
                }
            } else {
                let manifests = try KubeManifests.read(filename, recursive: recursive)
                // What lives in a namespace or is defined by a CRD goes before it: objects first,
                // then CRDs, then Namespaces (deleting a namespace deletes what is in it).
                for entry in manifests.entries {
                    let rank: Int
                    switch entry.object.groupVersionKind.groupKind {
                    case GroupKind(group: "", kind: "Namespace"): rank = 2
                    case GroupKind(group: "apiextensions.k8s.io", kind: "CustomResourceDefinition"): rank = 1
                    default: rank = 0
                    }
                    targets.append(Target(kind: entry.object.groupVersionKind, name: entry.object.name,
                                          namespace: entry.object.namespace ?? connection.namespace, location: entry.location + ": ", rank: rank))
                }
            }
            // Each rank in parallel; results printed in the order given.
            var failures = 0
            for rank in 0...2 {
                let batch = targets.filter { $0.rank == rank }
                if batch.isEmpty { continue }
                let lines = await withTaskGroup(of: (Int, String?, String?).self) { group in
                    for (index, target) in batch.enumerated() {
                        group.addTask { await delete(target, client: client, options: options, index: index) }
                    }
                    var collected: [(Int, String?, String?)] = []
                    for await line in group { collected.append(line) }
                    return collected.sorted { $0.0 < $1.0 }
                }
                for (_, out, err) in lines {
                    if let out { console.out(out) }
                    if let err {
                        failures += 1
                        console.err(err)
                    }
                }
            }
            return failures
        }
        if failures > 0 { throw ExitCode(1) }
    }

    struct Target: Sendable {
        var kind: GroupVersionKind
        var name: String
        var namespace: String?
        var location: String
        var rank: Int
    }

    /// Deletes one object: (index, line for stdout, line for stderr).
    private func delete(_ target: Target, client: KubernetesClient, options: DeleteOptions, index: Int) async -> (Int, String?, String?) {
        do {
            let resource = try await client.resource(for: target.kind)
            _ = try await client.delete(target.kind, name: target.name, namespace: target.namespace, options: options)
            return (index, "\(KubeObjectNames.quotedName(resource, name: target.name)) deleted\(dryRun ? " (server dry run)" : "")", nil)
        } catch let error as KubernetesError where error.isNotFound && ignoreNotFound {
            return (index, nil, nil)
        } catch let error as KubernetesError {
            return (index, nil, "\(target.location)\(error.kind == .unknownKind ? error.message : error.kubectlStyle)")
        } catch {
            return (index, nil, "\(target.location)\(error)")
        }
    }
}
