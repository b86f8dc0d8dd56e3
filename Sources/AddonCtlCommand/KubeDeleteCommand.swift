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

    func run() async throws {
        let options = DeleteOptions(propagationPolicy: policy, dryRun: dryRun)
        let failures = try await withKubeClient(connection) { client -> Int in
            var targets: [(GroupVersionKind, String, String?, String)] = []  // kind, name, namespace, where
            if filename.isEmpty {
                let resource: APIResource
                do {
                    resource = try await client.resource(named: arguments[0])
                } catch let error as KubernetesError where error.kind == .unknownKind {
                    throw KubeCommandError("the server doesn't have a resource type \"\(arguments[0])\"")
                }
                for name in arguments.dropFirst() { targets.append((resource.groupVersionKind, name, connection.namespace, "")) }
            } else {
                let manifests = try KubeManifests.read(filename, recursive: recursive)
                // What lives in a namespace or is defined by a CRD goes before it: objects first,
                // then CRDs, then Namespaces (deleting a namespace deletes what is in it).
                func rank(_ object: KubeObject) -> Int {
                    switch object.groupVersionKind.groupKind {
                    case GroupKind(group: "", kind: "Namespace"): return 2
                    case GroupKind(group: "apiextensions.k8s.io", kind: "CustomResourceDefinition"): return 1
                    default: return 0
                    }
                }
                let ordered = manifests.entries.enumerated().sorted { (rank($0.element.object), $0.offset) < (rank($1.element.object), $1.offset) }
                for (_, entry) in ordered {
                    targets.append((entry.object.groupVersionKind, entry.object.name, entry.object.namespace ?? connection.namespace, entry.location + ": "))
                }
            }
            var failures = 0
            for (kind, name, namespace, location) in targets {
                do {
                    let resource = try await client.resource(for: kind)
                    let outcome = try await client.delete(kind, name: name, namespace: namespace, options: options)
                    let suffix = dryRun ? " (server dry run)" : ""
                    switch outcome {
                    case .deleted, .terminating:
                        print("\(KubeObjectNames.quotedName(resource, name: name)) deleted\(suffix)")
                    }
                } catch let error as KubernetesError where error.isNotFound && ignoreNotFound {
                    continue
                } catch let error as KubernetesError {
                    failures += 1
                    FileHandle.standardError.write(Data("\(location)\(error.kind == .unknownKind ? error.message : error.kubectlStyle)\n".utf8))
                }
            }
            return failures
        }
        if failures > 0 { throw ExitCode(1) }
    }
}
