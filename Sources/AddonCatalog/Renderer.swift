import Foundation
import KubernetesModel

/// Turns an addon version, a cluster's facts, values and secrets into Kubernetes objects.
/// Rendering never talks to a cluster; secret material comes through a `SecretSource`.
public enum Renderer {
    /// Renders one addon version for one cluster.
    ///
    /// Values are merged (definition defaults < `channelValues` < `clusterValues`) and checked
    /// against the schema; every template is rendered with `cluster`, `values`, `secrets` and
    /// `addon` (name, version, namespace); every document is parsed back and checked (apiVersion,
    /// kind, metadata.name, namespace against scope, duplicates, secret material only in
    /// Secrets); namespaced objects without a namespace go to the addon's namespace; ownership
    /// labels are added; health rules are resolved and checked against the rendered objects.
    /// All problems are reported together.
    public static func render(definition: AddonDefinition, facts: ClusterFacts, channelValues: JSONValue = .emptyObject,
                              clusterValues: JSONValue = .emptyObject, secrets: some SecretSource) async throws(CatalogErrors) -> RenderedAddon {
        var diagnostics = Diagnostics()
        let file = definition.file
        let forCluster = "for cluster \(facts.name)"

        if !definition.supportedKubernetesVersions.contains(facts.kubernetesVersion) {
            diagnostics.add(.unsupportedKubernetesVersion, file: file, line: nil,
                            "\(definition.name)@\(definition.version) supports Kubernetes \(definition.supportedKubernetesVersions), cluster \(facts.name) runs \(facts.kubernetesVersion)")
        }

        let (values, problems) = Values.resolve(schema: definition.valuesSchema, channel: channelValues, cluster: clusterValues)
        for problem in problems {
            diagnostics.add(.schemaViolation, file: file, line: nil, "values \(forCluster): \(problem)")
        }

        // Secret material: text values as `secrets.NAME.KEY`; every value, binary ones too, as
        // `secretData.NAME.KEY` (base64 of its exact bytes, for a Secret's `data`).
        var secretTree: [String: JSONValue] = [:]
        var secretDataTree: [String: JSONValue] = [:]
        var secretValues: [String] = []
        for reference in definition.secrets {
            do {
                let data = try await secrets.secretBytes(named: reference.secretName, namespace: facts.secretNamespace)
                for key in reference.requiredKeys where (data[key] ?? []).isEmpty {
                    diagnostics.add(.secretUnavailable, file: file, line: nil, "secret \(reference.secretName) \(forCluster) has no key \"\(key)\" (needed as secrets.\(reference.handle).\(key))")
                }
                secretTree[reference.handle] = .object(data.compactMapValues { String(validating: $0, as: UTF8.self).map(JSONValue.string) })
                secretDataTree[reference.handle] = .object(data.mapValues { .string(Data($0).base64EncodedString()) })
                secretValues += SecretMaterial.sensitiveStrings(data)
            } catch {
                diagnostics.add(.secretUnavailable, file: file, line: nil, "secret \(reference.secretName) \(forCluster) (secrets.\(reference.handle)): \(error)")
            }
        }
        guard diagnostics.isEmpty else { throw CatalogErrors(diagnostics.errors) }

        let context: [String: JSONValue] = [
            "cluster": facts.templateValue,
            "values": values,
            "secrets": .object(secretTree),
            "secretData": .object(secretDataTree),
            "addon": ["name": .string(definition.name), "version": .string(definition.version.description), "namespace": .string(definition.namespace)],
        ]

        // Render and parse every template.
        var documents: [(file: String, document: YAMLDocument, output: TemplateEngine.Output)] = []
        for (manifest, result) in zip(definition.manifests, definition.compiled.results) {
            let compiled: TemplateEngine.Compiled
            switch result {
            case .success(let c): compiled = c
            case .failure(let errors):
                diagnostics.add(contentsOf: errors.errors)
                continue
            }
            let output: TemplateEngine.Output
            switch TemplateEngine.render(compiled, context: context) {
            case .success(let o): output = o
            case .failure(let error):
                diagnostics.add(CatalogError(error.kind, file: error.file, line: error.line, "\(error.message) (rendering \(forCluster))"))
                continue
            }
            do {
                for document in try ManifestParses.shared.documents(in: output.text, file: manifest.file) {
                    documents.append((manifest.file, document, output))
                }
            } catch {
                diagnostics.add(.invalidObject, file: manifest.file, line: error.line.map(output.templateLine(forOutputLine:)),
                                "the rendered output \(forCluster) is not valid YAML: \(error.reason) (line \(error.line.map(String.init) ?? "?") of the rendered output)")
            }
        }

        // Kinds defined by rendered CRDs.
        var customResources: [GroupKind: Bool] = [:]
        for (_, document, _) in documents {
            let v = document.value
            if v["kind"].stringValue == "CustomResourceDefinition", let group = v["spec"]["group"].stringValue,
               let kind = v["spec"]["names"]["kind"].stringValue {
                customResources[GroupKind(group: group, kind: kind)] = v["spec"]["scope"].stringValue != "Cluster"
            }
        }

        let labels = OwnershipLabels.labels(addon: definition.name, version: definition.version)
        var objects: [KubeObject] = []
        var origins: [ObjectReference: String] = [:]
        for (manifestFile, document, output) in documents {
            // Lines in messages are template lines.
            let line = output.templateLine(forOutputLine: document.line)
            let where_ = "\(manifestFile):\(line)"
            guard case .object = document.value else {
                diagnostics.add(.invalidObject, file: manifestFile, line: line, "rendered document \(forCluster) is a \(document.value.typeName), not an object")
                continue
            }
            var object = KubeObject(document.value)
            var missing: [String] = []
            if (object["apiVersion"].stringValue ?? "").isEmpty { missing.append("apiVersion") }
            if (object["kind"].stringValue ?? "").isEmpty { missing.append("kind") }
            if (object.metadata["name"].stringValue ?? "").isEmpty { missing.append("metadata.name") }
            if !missing.isEmpty {
                diagnostics.add(.invalidObject, file: manifestFile, line: line,
                                "rendered object \(forCluster) lacks \(missing.joined(separator: ", ")) (document at line \(document.line) of the rendered output)")
                continue
            }
            if object.kind.hasSuffix("List") {
                diagnostics.add(.invalidObject, file: manifestFile, line: line, "\(object.kind): write the items as separate documents")
                continue
            }
            let gk = object.groupVersionKind.groupKind
            let explicitNamespace = object.metadata["namespace"].stringValue
            switch KindScopes.isNamespaced(gk, customResources: customResources) {
            case false?:
                if let explicitNamespace {
                    diagnostics.add(.scopeMismatch, file: manifestFile, line: output.templateLine(forOutputLine: document.line(of: ["metadata", "namespace"])),
                                    "\(gk) \(object.name) is cluster-scoped but has namespace \"\(explicitNamespace)\"")
                    continue
                }
            case true?:
                if explicitNamespace == nil || explicitNamespace == "" {
                    object.body.setValue(.string(definition.namespace), at: ["metadata", "namespace"])
                }
            case nil:
                break
            }
            var objectLabels = object.metadata["labels"].objectValue ?? [:]
            for (key, value) in labels { objectLabels[key] = .string(value) }
            object.body.setValue(.object(objectLabels), at: ["metadata", "labels"])

            let reference = object.reference
            if let first = origins[reference] {
                diagnostics.add(.duplicateObject, file: manifestFile, line: line, "\(reference) is rendered twice (first at \(first))")
                continue
            }
            origins[reference] = where_
            if gk != GroupKind(group: "", kind: "Secret"), !secretValues.isEmpty, RenderedAddon.carriesSecret(object.body, secretValues) {
                diagnostics.add(.secretLeak, file: manifestFile, line: line, "\(reference) contains secret material \(forCluster): secrets may only be used in Secret objects")
                continue
            }
            let size = object.body.serialized().count
            if size > 900 * 1024 {
                diagnostics.add(.invalidObject, file: manifestFile, line: line, "\(reference) is \(size / 1024) KiB: too close to the API's 1 MiB object limit")
            }
            objects.append(object)
        }

        objects = ApplyOrder.sorted(objects)
        let secretObjects = Set(objects.filter { !secretValues.isEmpty && RenderedAddon.carriesSecret($0.body, secretValues) }.map(\.reference))

        // Health rules: targets must exist, schedule counts become durations.
        var rules: [HealthRule] = []
        let byReference = Dictionary(objects.map { ($0.reference, $0) }, uniquingKeysWith: { a, _ in a })
        for spec in definition.healthRuleSpecs {
            guard let target = byReference[spec.target] else {
                diagnostics.add(.healthRuleTarget, file: spec.file, line: spec.line,
                                "health rule \"\(spec.name)\" refers to \(spec.target), which the addon does not render \(forCluster)")
                continue
            }
            switch spec.check {
            case .resolved(let check):
                rules.append(HealthRule(name: spec.name, target: spec.target, check: check, file: spec.file, line: spec.line))
            case .succeededWithinSchedules(let count):
                guard let schedule = target.spec["schedule"].stringValue, let cron = CronSchedule(schedule) else {
                    diagnostics.add(.healthRuleTarget, file: spec.file, line: spec.line,
                                    "health rule \"\(spec.name)\": \(spec.target) has no valid spec.schedule (needed by succeededWithinSchedules)")
                    continue
                }
                rules.append(HealthRule(name: spec.name, target: spec.target, check: .succeededWithin(seconds: count * cron.longestIntervalSeconds), file: spec.file, line: spec.line))
            }
        }

        guard diagnostics.isEmpty else { throw CatalogErrors(diagnostics.errors) }
        return RenderedAddon(addon: definition.name, version: definition.version, objects: objects, secretObjects: secretObjects,
                             healthRules: rules, values: values, secretValues: secretValues)
    }
}
