import KubernetesModel
import Testing
@testable import AddonCatalog

/// The repository's own catalog (addons/, catalog/).
@Suite struct ShippedCatalogTests {
    @Test func lintPassesOnTheRepositoryCatalog() async {
        let errors = await Catalog.lint(directory: TestSupport.repositoryCatalog)
        #expect(errors.isEmpty, "\(CatalogErrors(errors))")
    }

    @Test func everyShippedVersionRendersForEveryExampleCluster() async throws {
        let catalog = try Catalog.load(directory: TestSupport.repositoryCatalog)
        #expect(catalog.exampleClusters.count >= 2)
        #expect(Set(catalog.exampleClusters.map(\.facts.kubernetesVersion.minor)).count >= 2)
        var rendered = 0
        for cluster in catalog.exampleClusters {
            for name in catalog.addonNames {
                #expect(catalog.versions(of: name).count >= 2, "\(name) ships fewer than two versions")
                for version in catalog.versions(of: name) {
                    let definition = try #require(catalog.definition(name: name, version: version))
                    guard definition.supportedKubernetesVersions.contains(cluster.facts.kubernetesVersion) else { continue }
                    let result = try await catalog.render(addon: name, version: version, for: cluster)
                    #expect(!result.objects.isEmpty)
                    let size = result.objects.map { $0.body.serialized().count }.reduce(0, +)
                    #expect(size < 512 * 1024, "\(name)@\(version) renders \(size) bytes")
                    for object in result.objects {
                        #expect(object.labels[OwnershipLabels.addonNameKey] == name)
                    }
                    // Secret material is only in Secrets, and never printed by default.
                    for secretValue in cluster.secrets.allValues where secretValue.count >= 8 {
                        #expect(!result.yaml().contains(secretValue), "\(name)@\(version) prints a secret for \(cluster.facts.name)")
                    }
                    rendered += 1
                }
            }
        }
        #expect(rendered >= 4)
    }

    @Test func upgradesAddChangeAndRemoveObjects() async throws {
        let catalog = try Catalog.load(directory: TestSupport.repositoryCatalog)
        let cluster = try #require(catalog.exampleClusters.first { $0.facts.name == "dev-fra-1" })
        var added = 0, removed = 0, upgrades = 0
        for name in catalog.addonNames {
            let versions = catalog.versions(of: name).filter { catalog.definition(name: name, version: $0)!.supportedKubernetesVersions.contains(cluster.facts.kubernetesVersion) }
            guard versions.count >= 2 else { continue }
            let old = try await catalog.render(addon: name, version: versions[0], for: cluster)
            let new = try await catalog.render(addon: name, version: versions[1], for: cluster)
            #expect(old.contentHash(key: .processDefault) != new.contentHash(key: .processDefault), "\(name)")
            let oldByReference = Dictionary(uniqueKeysWithValues: old.objects.map { ($0.reference, $0) })
            let newByReference = Dictionary(uniqueKeysWithValues: new.objects.map { ($0.reference, $0) })
            let kept = Set(oldByReference.keys).intersection(newByReference.keys)
            #expect(!kept.isEmpty, "\(name): an upgrade keeps objects")
            // Something other than the version label changes.
            let changed = kept.filter { reference in
                var a = oldByReference[reference]!.body, b = newByReference[reference]!.body
                a.removeValue(at: ["metadata", "labels", OwnershipLabels.addonVersionKey])
                b.removeValue(at: ["metadata", "labels", OwnershipLabels.addonVersionKey])
                return a != b
            }
            #expect(!changed.isEmpty, "\(name): the upgrade changes no object")
            added += newByReference.keys.filter { oldByReference[$0] == nil }.count
            removed += oldByReference.keys.filter { newByReference[$0] == nil }.count
            upgrades += 1
        }
        #expect(upgrades >= 5)
        #expect(added > 0)
        #expect(removed > 0)
    }

    @Test func setsChannelsAndWaves() throws {
        let catalog = try Catalog.load(directory: TestSupport.repositoryCatalog)
        let prod = try #require(catalog.exampleClusters.first { $0.facts.name == "prod-ams-2" })
        let dev = try #require(catalog.exampleClusters.first { $0.facts.name == "dev-fra-1" })
        let prodAddons = catalog.addons(forChannel: prod.channel, optOut: prod.optOut, optIn: prod.optIn)
        #expect(prodAddons.map(\.name).contains("cluster-monitoring"))
        #expect(prodAddons.first { $0.name == "cinder-csi" }?.version == catalog.channel(named: "stable")?.version(of: "cinder-csi"))
        #expect(!catalog.addons(forChannel: dev.channel, optOut: dev.optOut, optIn: dev.optIn).map(\.name).contains("cluster-monitoring"))
        #expect(catalog.rolloutWaves.map(\.name) == ["canary", "early", "rest"])
        #expect(catalog.rolloutWaves[0].selector.matches(dev.facts.labels))
        #expect(!catalog.rolloutWaves[0].selector.matches(prod.facts.labels))
        #expect(catalog.rolloutWaves[2].selector.matches(prod.facts.labels))
        #expect(catalog.rolloutWaves[1].soakSeconds == 7200)
    }

    @Test func dependenciesComeFirst() throws {
        let catalog = try Catalog.load(directory: TestSupport.repositoryCatalog)
        let stable = try #require(catalog.channel(named: "stable"))
        let addons = catalog.addons(forChannel: "stable", optIn: ["cluster-monitoring"])
        #expect(addons.count == stable.addons.count)
        let order = catalog.inDependencyOrder(addons).map(\.name)
        #expect(order == ["openstack-cloud-controller-manager", "cinder-csi", "cluster-monitoring", "etcd-backup", "ingress-nginx", "log-shipping"])
    }
}
