import ArgumentParser
import Foundation
import KubernetesClient
import KubernetesModel

/// `addonctl kube apply -f FILE_OR_DIR`: server-side apply of manifests, all at once.
struct KubeApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Server-side apply the objects of manifest files.",
        discussion: """
            Reads every document of the files (a directory: its .yaml, .yml and .json files) and checks \
            them all before sending anything: invalid YAML, an object without apiVersion, kind or \
            metadata.name, or a kind the server does not serve stops the command with nothing applied. \
            Namespaces and CustomResourceDefinitions are applied first (the command waits until the CRDs \
            are Established), then everything else in parallel. One line per object.
            """
    )

    @OptionGroup var connection: KubeConnectionOptions

    @Option(name: [.customShort("f"), .long], help: "A manifest file, a directory of them, or - for standard input (repeatable).")
    var filename: [String] = []

    @Flag(name: [.customShort("R"), .long], help: "Read directories recursively.")
    var recursive = false

    @Flag(name: .long, help: "Ask the server what it would do (dryRun=All); change nothing.")
    var dryRun = false

    @Flag(name: .long, help: "Take ownership of fields other managers own instead of failing on conflicts.")
    var force = false

    @Option(name: .long, help: "The field manager that owns the applied fields.")
    var fieldManager = "addonctl"

    @Option(name: [.customShort("o"), .long], help: "Output: empty for one line per object, or name.")
    var output: String?

    mutating func validate() throws {
        if filename.isEmpty { throw ValidationError("give the manifests with -f FILE_OR_DIR") }
        if fieldManager.isEmpty { throw ValidationError("--field-manager must not be empty") }
        if let output, output != "name" { throw ValidationError("unsupported output format \"\(output)\" (use name)") }
    }

    func run() async throws { try await execute(on: .standard) }

    func execute(on console: KubeConsole) async throws {
        let manifests = try KubeManifests.read(filename, recursive: recursive)
        if manifests.entries.isEmpty { throw KubeCommandError("no objects passed to apply") }
        try checkNamespaces(manifests)
        let options = ApplyOptions(fieldManager: fieldManager, force: force, dryRun: dryRun)
        let failures = try await withKubeClient(connection) { client -> Int in
            let results: [ApplyResult]
            do {
                results = try await client.applyAll(manifests.entries.map(\.object), options: options)
            } catch let error as KubernetesError {
                throw KubeCommandError(error.kind == .unknownKind ? "\(error.message)" : error.kubectlStyle)
            }
            var failures = 0
            var out = ""
            for (entry, result) in zip(manifests.entries, results) {
                switch result.result {
                case .success:
                    if output == "name" {
                        out += KubeObjectNames.slashName(entry.object) + "\n"
                    } else {
                        out += "\(KubeObjectNames.slashName(entry.object)) serverside-applied\(dryRun ? " (server dry run)" : "")\n"
                    }
                case .failure(let error):
                    failures += 1
                    console.err("\(entry.location): \(KubeObjectNames.slashName(entry.object)): \(describe(error))")
                }
            }
            if !out.isEmpty { console.out(out) }
            return failures
        }
        if failures > 0 {
            throw KubeCommandError("\(failures) of \(manifests.entries.count) objects were not applied")
        }
    }

    private func describe(_ error: KubernetesError) -> String {
        if error.isApplyConflict {
            var text = "\(error.kubectlStyle)"
            text += "\n  (use --force to take ownership of: \(error.applyConflicts.map(\.description).joined(separator: ", ")))"
            return text
        }
        return error.kubectlStyle
    }

    /// An object's own namespace must agree with -n, as kubectl requires.
    private func checkNamespaces(_ manifests: KubeManifests) throws {
        guard let namespace = connection.namespace, !namespace.isEmpty else { return }
        for entry in manifests.entries {
            if let own = entry.object.namespace, own != namespace {
                throw KubeCommandError("\(entry.location): the namespace of the object (\(own)) does not match the namespace given with -n (\(namespace))")
            }
        }
    }
}
