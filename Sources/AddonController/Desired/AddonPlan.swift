import AddonCatalog
import KubernetesModel

/// What the cluster should do with one addon, decided from its spec and the catalog.
public enum AddonPlan: Sendable {
    /// Run this version with these values.
    case install(DesiredAddon)
    /// No longer wanted: remove its objects (delete policy) and its ClusterAddon.
    case remove
    /// Wanted, but it cannot be installed as asked: leave whatever runs as it is and say why.
    case blocked(reason: String, message: String)
}

/// One addon version a cluster should run.
public struct DesiredAddon: Sendable {
    public var name: String
    public var version: SemanticVersion
    public var definition: AddonDefinition
    public var channelValues: JSONValue
    public var clusterValues: JSONValue
    /// Whether the version is pinned by the cluster rather than chosen by its channel.
    public var pinned: Bool
}

/// Decides every addon's plan for one cluster: the catalog's default set minus opt-outs plus
/// opt-ins, at the channel's version or the cluster's pin, if the version supports the cluster's
/// Kubernetes version and its dependencies are satisfied; ordered so dependencies come first.
/// A pure function: the controller calls it on every reconcile.
public enum DesiredAddons {
    public struct Result: Sendable {
        /// The plan of every addon the cluster wants or has.
        public var plans: [String: AddonPlan]
        /// Addon names, dependencies before dependents (removals in reverse).
        public var order: [String]
    }

    /// - Parameter installed: addons that currently have a ClusterAddon on this cluster (so
    ///   that an addon no longer wanted is removed).
    /// - Parameter rollouts: what the channel's rollouts decided (nil: the channel's version at
    ///   once, as without a rollout driver).
    public static func resolve(spec: ClusterSpec, catalog: Catalog, installed: Set<String>, rollouts: RolloutGate? = nil) -> Result {
        var plans: [String: AddonPlan] = [:]
        let defaultAddons = catalog.defaultAddons(onChannel: spec.channel), optInAddons = catalog.optInAddons(onChannel: spec.channel)
        var wanted = Set(defaultAddons)
        for (name, override) in spec.addons {
            switch override.enabled {
            case false?: wanted.remove(name)
            case true?: wanted.insert(name)
            case nil: break
            }
        }
        let channel = catalog.channel(named: spec.channel)
        let wave = RolloutWaves.index(of: spec.labels, in: RolloutWaves.effective(catalog.rolloutWaves(onChannel: spec.channel)))

        var chosen: [String: DesiredAddon] = [:]
        for name in wanted.sorted() {
            let override = spec.addons[name]
            if !defaultAddons.contains(name), !optInAddons.contains(name) {
                plans[name] = .blocked(reason: "UnknownAddon", message: "the catalog has no addon \"\(name)\" that clusters can opt in to")
                continue
            }
            let version: SemanticVersion
            if let pin = override?.version {
                version = pin
            } else if let channel {
                guard let v = channel.version(of: name) else {
                    plans[name] = .blocked(reason: "NotInChannel", message: "channel \"\(spec.channel)\" publishes no version of \(name)")
                    continue
                }
                // A channel naming a version this manager cannot serve says why, whatever a
                // rollout would pick: nothing moves towards it.
                if let reason = catalog.refusedVersions[name]?[v] {
                    plans[name] = .blocked(reason: "VersionRefused", message: "\(name) \(v) is published but refused: \(reason)")
                    continue
                }
                guard catalog.definition(name: name, version: v) != nil else {
                    plans[name] = .blocked(reason: "UnknownVersion", message: "the catalog has no version \(v) of \(name)")
                    continue
                }
                version = rollouts?.version(of: name, channelVersion: v, cluster: "\(spec.project)/\(spec.name)", wave: wave) ?? v
            } else {
                plans[name] = .blocked(reason: "UnknownChannel", message: "the catalog has no channel \"\(spec.channel)\"")
                continue
            }
            if let reason = catalog.refusedVersions[name]?[version] {
                plans[name] = .blocked(reason: "VersionRefused", message: "\(name) \(version) is published but refused: \(reason)")
                continue
            }
            guard let definition = catalog.definition(name: name, version: version) else {
                plans[name] = .blocked(reason: "UnknownVersion", message: "the catalog has no version \(version) of \(name)")
                continue
            }
            guard definition.supportedKubernetesVersions.contains(spec.kubernetesVersion) else {
                plans[name] = .blocked(reason: "UnsupportedKubernetesVersion",
                                       message: "\(name) \(version) supports Kubernetes \(definition.supportedKubernetesVersions), the cluster runs \(spec.kubernetesVersion)")
                continue
            }
            chosen[name] = DesiredAddon(name: name, version: version, definition: definition,
                                        channelValues: channel?.addons[name]?.values ?? .emptyObject,
                                        clusterValues: override?.values ?? .emptyObject, pinned: override?.version != nil)
        }

        // Dependencies: each must be chosen too, at a version in range. Blocking one addon can
        // block its dependents, so repeat until nothing changes.
        var changed = true
        while changed {
            changed = false
            for (name, addon) in chosen.sorted(by: { $0.key < $1.key }) {
                for dependency in addon.definition.dependencies {
                    let problem: String?
                    if let dep = chosen[dependency.name] {
                        problem = dependency.versions.contains(dep.version) ? nil : "needs \(dependency.name) \(dependency.versions), the cluster gets \(dep.version)"
                    } else {
                        problem = "needs \(dependency.name) \(dependency.versions), which this cluster does not get"
                    }
                    if let problem {
                        plans[name] = .blocked(reason: "DependencyNotSatisfied", message: "\(name) \(addon.version) \(problem)")
                        chosen.removeValue(forKey: name)
                        changed = true
                        break
                    }
                }
            }
        }
        for (name, addon) in chosen { plans[name] = .install(addon) }
        // An unknown channel (say, an AddonChannel deleted by mistake) says nothing about what
        // the cluster should run: it keeps what it has rather than losing it.
        for name in installed where plans[name] == nil {
            plans[name] = channel == nil ? .blocked(reason: "UnknownChannel", message: "the catalog has no channel \"\(spec.channel)\"") : .remove
        }

        return Result(plans: plans, order: topologicalOrder(plans: plans, chosen: chosen))
    }

    /// Dependencies first; ties by name, so the order is stable.
    static func topologicalOrder(plans: [String: AddonPlan], chosen: [String: DesiredAddon]) -> [String] {
        var order: [String] = []
        var visited: Set<String> = []
        func visit(_ name: String, path: Set<String>) {
            guard !visited.contains(name), !path.contains(name) else { return }
            for dependency in chosen[name]?.definition.dependencies.map(\.name).sorted() ?? [] where plans[dependency] != nil {
                visit(dependency, path: path.union([name]))
            }
            visited.insert(name)
            order.append(name)
        }
        for name in plans.keys.sorted() { visit(name, path: []) }
        return order
    }
}
