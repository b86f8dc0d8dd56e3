import AddonCatalog
import ControllerRuntime
import Foundation
import KubernetesClient
import KubernetesModel
import Logging
import Metrics

/// The catalog published in the management plane: every `AddonVersion` and `AddonChannel`,
/// watched, so that a published version or a channel edit reaches the clusters without a restart.
///
/// AddonVersions are immutable once accepted. The first time the manager reads one whose
/// content matches its digest and parses, it accepts it: `status.acceptedDigest`, phase
/// `Accepted`. If its content changes after that (an edit, or a delete and create with other
/// content), the manager keeps serving the content it accepted — never the changed one —, sets
/// phase `ContentChanged` with a `ContentChanged` condition and records a Warning Event. A
/// manager that starts after such an edit no longer has the accepted content: it refuses the
/// version, and clusters whose channel names it keep what they run and say why. A malformed
/// AddonChannel edit leaves the channel as it was last read well (and is logged and reported
/// in an Event).
public final class ManagementPlaneCatalog: CatalogSource {
    /// Thrown by `current()` until both kinds have been listed.
    public struct NotSynced: Error, CustomStringConvertible {
        public var description: String { "the management plane's catalog (AddonVersions, AddonChannels) has not been read yet" }
    }

    private let client: any KubeClient
    private let logger: Logger
    private let events: EventRecorder
    private let state = State()

    public init(client: any KubeClient, logger: Logger) {
        self.client = client
        self.logger = logger
        events = EventRecorder(client: client, logger: logger)
    }

    /// Watches AddonVersions and AddonChannels until cancelled.
    public func run() async {
        // The first lists are read here, all of them before the catalog is first built: a
        // catalog with the channels but not yet every version would block clusters for nothing.
        let versions = Informer(kind: ManagementKinds.addonVersion, client: client, announceInitialList: false, logger: logger) { event in
            await self.handleVersion(event)
        }
        let channels = Informer(kind: ManagementKinds.addonChannel, client: client, announceInitialList: false, logger: logger) { event in
            await self.handleChannel(event)
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await versions.run() }
            group.addTask { await channels.run() }
            group.addTask {
                // Cancelled before the first lists (a start that failed): nothing was read.
                guard await versions.waitForSync(), await channels.waitForSync() else { return }
                for object in await versions.cache.list() { await self.handleVersion(.added(object)) }
                for object in await channels.cache.list() { await self.handleChannel(.added(object)) }
                await self.state.markSynced()
                let summary = await self.state.summary
                self.logger.info("management-plane catalog read", metadata: ["catalog": "\(summary)"])
            }
            await group.waitForAll()
        }
    }

    public func current() async throws -> Catalog {
        guard let catalog = await state.catalog else { throw NotSynced() }
        return catalog
    }

    public func updates() async -> AsyncStream<Void> { await state.subscribe() }

    // MARK: AddonVersions

    private func handleVersion(_ event: InformerEvent) async {
        let object = event.object
        if case .deleted = event {
            await state.removeVersion(object.name)
            return
        }
        let recorded = object.status["acceptedDigest"].stringValue
        let accepted = await state.accepted(object.name)
        // Its own status write comes back as an update: the content (generation) is the one
        // accepted, nothing to read again (a large version takes a while to decode and hash).
        if let accepted, accepted.generation == object.generation, recorded == accepted.digest, object.status["phase"] == "Accepted" { return }
        var status = object.status.objectValue.map(JSONValue.object) ?? .emptyObject
        var conditions = (status["conditions"].arrayValue ?? []).compactMap(Condition.init(json:))
        do {
            let published = try PublishedAddonVersion(object: object)
            let digest = object.spec["digest"].stringValue ?? published.digest  // equal: the object was checked against its digest
            if let previous = accepted?.digest ?? recorded, previous != digest {
                throw ContentChanged(accepted: previous, now: digest)
            }
            let definition = try accepted?.definition ?? published.definition()
            await state.accept(object.name, digest: digest, definition: definition, generation: object.generation)
            status["acceptedDigest"] = .string(digest)
            status["phase"] = "Accepted"
            conditions = Condition.merge([Condition(type: "Accepted", status: .true, reason: "Accepted", message: "content accepted; digest \(digest)"),
                                          Condition(type: "ContentChanged", status: .false, reason: "Unchanged", message: "the content is the one accepted")],
                                         into: conditions)
        } catch {
            let previous = accepted?.digest ?? recorded
            let changed = previous != nil
            let message: String
            if let accepted {
                message = "the content changed after it was accepted (\(error)); serving the accepted content \(accepted.digest). Publish a new version instead of editing this one"
                await state.accept(object.name, digest: accepted.digest, definition: accepted.definition, generation: nil)
            } else if let previous {
                message = "the content changed after it was accepted (\(error)); the accepted content \(previous) is not available to this manager, so the version is refused. Publish a new version"
                await state.refuse(object, reason: "its content changed after it was accepted")
            } else {
                message = "refused: \(error)"
                await state.refuse(object, reason: "\(error)")
            }
            let already = conditions.first { $0.type == (changed ? "ContentChanged" : "Accepted") }
            let firstReport = changed ? already?.status != .true : already?.message != message
            if let previous { status["acceptedDigest"] = .string(previous) }
            status["phase"] = .string(changed ? "ContentChanged" : "Refused")
            conditions = Condition.merge(
                changed
                    ? [Condition(type: "ContentChanged", status: .true, reason: "ContentChanged", message: message)]
                    : [Condition(type: "Accepted", status: .false, reason: "Invalid", message: message)],
                into: conditions)
            if firstReport {
                logger.warning("addon version not served as published", metadata: ["addonVersion": "\(object.name)", "error": "\(message)"])
                await events.record(on: ["apiVersion": .string(ManagementKinds.apiVersion), "kind": "AddonVersion", "name": .string(object.name), "uid": .string(object.uid ?? "")],
                                    type: .warning, reason: changed ? "ContentChanged" : "Refused", message: message)
            }
        }
        status["conditions"] = .array(conditions.map(\.json))
        if let generation = object.generation { status["observedGeneration"] = .int(generation) }
        guard status != object.status else { return }
        var patch = KubeObject(apiVersion: ManagementKinds.apiVersion, kind: "AddonVersion", name: object.name)
        patch["status"] = status
        do {
            _ = try await client.applyStatus(patch, options: ApplyOptions(fieldManager: OwnershipLabels.fieldManager, force: true))
        } catch {
            logger.warning("could not write an AddonVersion's status", metadata: ["addonVersion": "\(object.name)", "error": "\(error)"])
        }
    }

    private struct ContentChanged: Error, CustomStringConvertible {
        var accepted: String
        var now: String
        var description: String { "accepted \(accepted), now \(now)" }
    }

    // MARK: AddonChannels

    private func handleChannel(_ event: InformerEvent) async {
        let object = event.object
        if case .deleted = event {
            await state.removeChannel(object.name)
            return
        }
        do {
            await state.setChannel(try Channel(object: object), objectName: object.name)
        } catch {
            let kept = await state.hasChannel(object.name)
            let message = "\(error)" + (kept ? " (the channel stays as it was last read)" : "")
            guard await state.noteChannelProblem(object.name, message: message) else { return }
            logger.error("AddonChannel not usable", metadata: ["addonChannel": "\(object.name)", "error": "\(message)"])
            await events.record(on: ["apiVersion": .string(ManagementKinds.apiVersion), "kind": "AddonChannel", "name": .string(object.name), "uid": .string(object.uid ?? "")],
                                type: .warning, reason: "Invalid", message: message)
        }
    }

    // MARK: State

    private actor State {
        struct Accepted {
            var digest: String
            var definition: AddonDefinition
            /// The object's generation whose content this is (nil: the object now holds other content).
            var generation: Int64?
        }

        /// Accepted versions by object name; kept after a deletion, so that the same name
        /// published again with other content is recognised as changed.
        private var accepted: [String: Accepted] = [:]
        /// Object names currently published and served.
        private var served: Set<String> = []
        private var refused: [String: (addon: String, version: SemanticVersion?, reason: String)] = [:]
        private var channels: [String: Channel] = [:]
        private var channelProblems: [String: String] = [:]
        private var synced = false
        private(set) var catalog: Catalog?
        private var subscribers: [UUID: AsyncStream<Void>.Continuation] = [:]

        func accepted(_ name: String) -> Accepted? { accepted[name] }

        func accept(_ name: String, digest: String, definition: AddonDefinition, generation: Int64?) {
            let unchanged = served.contains(name) && accepted[name]?.digest == digest && refused[name] == nil
            accepted[name] = Accepted(digest: digest, definition: definition, generation: generation)
            if unchanged { return }
            served.insert(name)
            refused.removeValue(forKey: name)
            changed()
        }

        func refuse(_ object: KubeObject, reason: String) {
            let addon = object.spec["addon"].stringValue ?? object.name
            let version = object.spec["version"].stringValue.flatMap(SemanticVersion.init)
            if served.remove(object.name) == nil, refused[object.name]?.reason == reason { return }
            refused[object.name] = (addon, version, reason)
            changed()
        }

        func removeVersion(_ name: String) {
            let wasServed = served.remove(name) != nil
            let wasRefused = refused.removeValue(forKey: name) != nil
            if wasServed || wasRefused { changed() }
        }

        func setChannel(_ channel: Channel, objectName: String) {
            channelProblems.removeValue(forKey: objectName)
            channels[objectName] = channel
            changed()
        }

        func hasChannel(_ name: String) -> Bool { channels[name] != nil }

        /// Remembers a channel's problem; false when it is the one already reported.
        func noteChannelProblem(_ name: String, message: String) -> Bool {
            guard channelProblems[name] != message else { return false }
            channelProblems[name] = message
            return true
        }

        func removeChannel(_ name: String) {
            channelProblems.removeValue(forKey: name)
            guard channels.removeValue(forKey: name) != nil else { return }
            changed()
        }

        func markSynced() {
            synced = true
            changed()
        }

        var summary: String {
            "\(served.count) versions, \(refused.count) refused, channels \(channels.keys.sorted().joined(separator: ", "))"
        }

        func subscribe() -> AsyncStream<Void> {
            let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
            let id = UUID()
            subscribers[id] = continuation
            continuation.onTermination = { _ in Task { await self.unsubscribe(id) } }
            return stream
        }

        private func unsubscribe(_ id: UUID) { subscribers.removeValue(forKey: id) }

        /// Rebuilds the catalog (once both kinds are listed) and tells the subscribers.
        private func changed() {
            guard synced else { return }
            var refusedVersions: [String: [SemanticVersion: String]] = [:]
            for (_, entry) in refused {
                if let version = entry.version { refusedVersions[entry.addon, default: [:]][version] = entry.reason }
            }
            catalog = Catalog(published: served.sorted().compactMap { accepted[$0]?.definition }, channels: Array(channels.values),
                              refusedVersions: refusedVersions, source: "management plane")
            // addon_manager_published_versions{state}: served (edited ones included, on their
            // accepted content), contentChanged (edited after acceptance), refused.
            let changedContent = served.filter { accepted[$0]?.generation == nil }.count
            for (state, count) in [("served", served.count), ("contentChanged", changedContent), ("refused", refused.count)] {
                Gauge(label: "addon_manager_published_versions", dimensions: [("state", state)]).record(count)
            }
            for continuation in subscribers.values { continuation.yield() }
        }
    }
}
