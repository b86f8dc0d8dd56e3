import AddonController
import ArgumentParser
import Foundation
import KubernetesClient
import KubernetesModel

/// `addonctl rollout`: how a channel's new addon versions are reaching the fleet, and the
/// platform team's hand on them (pause, resume, rollback). Reads and writes `AddonRollout`s.
struct RolloutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Follow and steer the rollouts of addon versions.",
        subcommands: [RolloutStatusCommand.self, RolloutPauseCommand.self, RolloutResumeCommand.self, RolloutRollbackCommand.self]
    )
}

/// Which rollouts a command means: an addon, optionally on one channel.
struct RolloutSelection: ParsableArguments {
    @Option(help: "Only the rollout on this channel.")
    var channel: String?

    func matching(_ rollouts: [AddonRollout], addon: String?) -> [AddonRollout] {
        rollouts.filter { (addon == nil || $0.addon == addon) && (channel == nil || $0.channel == channel) }
    }
}

func listRollouts(_ client: KubernetesClient) async throws -> (rollouts: [AddonRollout], resourceVersion: String?) {
    let list: KubeObjectList
    do {
        list = try await client.list(ManagementKinds.addonRollout, namespace: nil, options: ListOptions())
    } catch let error as KubernetesError where error.kind == .unknownKind {
        throw KubeCommandError("this cluster has no AddonRollouts (\(ManagementKinds.addonRollout.groupKind)): is it an addon-manager management plane (addon-manager run --install-crds)?")
    }
    return (list.items.compactMap { try? AddonRollout(object: $0) }.sorted { $0.objectName < $1.objectName }, list.resourceVersion)
}

struct RolloutStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show rollouts: phase, wave, clusters updated and failed, soak left, and why a rollout stopped.")

    @OptionGroup var connection: KubeConnectionOptions
    @OptionGroup var selection: RolloutSelection

    @Argument(help: "Only this addon (shows its waves and failures).")
    var addon: String?

    @Flag(help: "Print again whenever a rollout changes (Ctrl-C to stop).")
    var watch = false

    func run() async throws { try await execute(on: .standard) }

    func execute(on console: KubeConsole) async throws {
        try await withKubeClient(connection) { client in
            var (rollouts, resourceVersion) = try await listRollouts(client)
            console.out(render(rollouts))
            guard watch else { return }
            while !Task.isCancelled {
                do {
                    let events = try await client.watch(ManagementKinds.addonRollout, namespace: nil,
                                                        options: WatchOptions(resourceVersion: resourceVersion, timeoutSeconds: 300))
                    for try await event in events {
                        if let rv = event.resourceVersion { resourceVersion = rv }
                        guard let object = event.object, let rollout = try? AddonRollout(object: object) else { continue }
                        rollouts.removeAll { $0.objectName == rollout.objectName }
                        if case .deleted = event {} else { rollouts.append(rollout) }
                        rollouts.sort { $0.objectName < $1.objectName }
                        console.out("\n" + render(rollouts))
                    }
                } catch let error as KubernetesError where error.isGone {
                    (rollouts, resourceVersion) = try await listRollouts(client)
                }
            }
        }
    }

    func render(_ all: [AddonRollout]) -> String {
        let rollouts = selection.matching(all, addon: addon)
        guard !rollouts.isEmpty else { return addon.map { "No rollouts of \($0)\(selection.channel.map { " on channel \($0)" } ?? "").\n" } ?? "No rollouts.\n" }
        return RolloutStatusView.render(rollouts, detailed: addon != nil, now: Date())
    }
}

/// Pause, resume and rollback: a change of the AddonRollout's spec, which the driver acts on.
protocol RolloutAction: AsyncParsableCommand {
    var connection: KubeConnectionOptions { get }
    var selection: RolloutSelection { get }
    var addon: String { get }
    /// The spec patch for this rollout, or why it does not apply.
    func patch(for rollout: AddonRollout) throws -> JSONValue
    var done: String { get }
}

extension RolloutAction {
    func run() async throws { try await execute(on: .standard) }

    func execute(on console: KubeConsole) async throws {
        try await withKubeClient(connection) { client in
            let rollouts = selection.matching(try await listRollouts(client).rollouts, addon: addon)
            guard !rollouts.isEmpty else {
                throw KubeCommandError("no rollout of \(addon)\(selection.channel.map { " on channel \($0)" } ?? "") (addonctl rollout status lists them)")
            }
            guard rollouts.count == 1, let rollout = rollouts.first else {
                throw KubeCommandError("\(addon) has rollouts on several channels (\(rollouts.map(\.channel).joined(separator: ", "))): choose one with --channel")
            }
            let patch = try patch(for: rollout)
            // Only the rollout as read: one superseded meanwhile (another version) is not touched.
            do {
                _ = try await client.patch(ManagementKinds.addonRollout, name: rollout.objectName, namespace: nil,
                                           patch: ["metadata": ["resourceVersion": .string(rollout.resourceVersion ?? "")], "spec": patch], type: .merge,
                                           options: WriteOptions(fieldManager: "addonctl"))
            } catch let error as KubernetesError where error.isConflict {
                throw KubeCommandError("the rollout of \(rollout.addon) on \(rollout.channel) changed while this command ran (a new version, or someone else): look again with addonctl rollout status")
            }
            console.out("rollout \(rollout.objectName) (\(rollout.addon) \(rollout.from.map { "\($0) → " } ?? "")\(rollout.to)): \(done)\n")
        }
    }
}

struct RolloutPauseCommand: RolloutAction {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Admit no more clusters to an addon's rollout.")
    @OptionGroup var connection: KubeConnectionOptions
    @OptionGroup var selection: RolloutSelection
    @Argument(help: "The addon.") var addon: String
    var done: String { "pause requested; clusters already updated stay updated" }

    func patch(for rollout: AddonRollout) throws -> JSONValue {
        guard rollout.phase == .progressing || rollout.phase == .paused else {
            throw KubeCommandError("the rollout of \(rollout.addon) on \(rollout.channel) is \(rollout.phase.rawValue): there is nothing to pause")
        }
        return ["paused": true]
    }
}

struct RolloutResumeCommand: RolloutAction {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume a paused or rolled-back rollout: clusters that failed are tried again; a rolled-back rollout starts over.")
    @OptionGroup var connection: KubeConnectionOptions
    @OptionGroup var selection: RolloutSelection
    @Argument(help: "The addon.") var addon: String
    var done: String { "resume requested" }

    func patch(for rollout: AddonRollout) throws -> JSONValue {
        guard rollout.phase != .completed else {
            throw KubeCommandError("the rollout of \(rollout.addon) on \(rollout.channel) has completed: there is nothing to resume")
        }
        return ["paused": false, "rollback": false, "attempt": .int(Int64(rollout.attempt + 1))]
    }
}

struct RolloutRollbackCommand: RolloutAction {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Return every cluster an addon's rollout updated to the version it ran before.")
    @OptionGroup var connection: KubeConnectionOptions
    @OptionGroup var selection: RolloutSelection
    @Argument(help: "The addon.") var addon: String
    var done: String { "rollback requested: the clusters it updated return to the version they ran before" }

    func patch(for rollout: AddonRollout) throws -> JSONValue {
        switch rollout.phase {
        case .completed:
            throw KubeCommandError("the rollout of \(rollout.addon) on \(rollout.channel) has completed: every cluster runs \(rollout.to)."
                                   + " To go back, set the channel's version to \(rollout.from?.description ?? "the previous one") and publish it (a new rollout)")
        case .rolledBack:
            throw KubeCommandError("the rollout of \(rollout.addon) on \(rollout.channel) is already rolled back")
        case .progressing, .paused:
            return ["rollback": true]
        }
    }
}
