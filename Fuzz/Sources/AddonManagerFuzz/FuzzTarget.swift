@testable import AddonCatalog
import Foundation
import KubernetesClient
import KubernetesModel
import StructuredMerge

/// The parsers that read input from outside the process, each with a property that must hold
/// for every input (beyond "does not crash"). A broken property stops the fuzzer like a crash
/// does, with the input that broke it.
enum FuzzTarget: String, CaseIterable {
    case yaml, json, kubeconfig, template, valuesSchema = "values-schema", fieldPath = "field-path"

    func run(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        switch self {
        case .yaml:
            // What the YAML reader accepts, the emitter writes back so that it reads the same.
            guard let documents = try? YAML.documents(in: text, file: "fuzz") else { return }
            for document in documents {
                let emitted = YAML.emit(document.value)
                guard let again = try? YAML.parse(emitted, file: "emitted") else {
                    fail("emitted YAML does not parse:\n\(emitted)")
                }
                check(again == document.value, "emitted YAML reads back differently:\n\(emitted)")
            }
        case .json:
            // Serialising a parsed value and parsing it again gives the same value.
            guard let value = try? JSONValue.parse(bytes) else { return }
            let serialized = value.serialized()
            guard let again = try? JSONValue.parse(serialized) else { fail("serialised JSON does not parse: \(String(decoding: serialized, as: UTF8.self))") }
            check(again == value, "JSON reads back differently: \(String(decoding: serialized, as: UTF8.self))")
        case .kubeconfig:
            // A tenant's kubeconfig never yields a plugin to run or a file to read.
            guard let config = try? Kubeconfig.parse(text, file: "fuzz"), let connection = try? config.connection(policy: .inlineOnly) else { return }
            switch connection.credentials {
            case .exec, .tokenFile: fail("an inline-only kubeconfig yielded \(connection.credentials)")
            case .none, .bearerToken, .basic: break
            }
        case .template:
            // Any template compiles or fails with a diagnostic; a compiled one renders or fails so.
            let manifest = AddonDefinition.ManifestTemplate(file: "fuzz.yaml", text: text)
            guard case .success(let compiled) = TemplateEngine.compile(manifest) else { return }
            _ = TemplateEngine.render(compiled, context: [
                "values": ["name": "x", "replicas": 2, "enabled": true, "list": ["a", "b"], "nested": ["key": "value: with colon"]],
                "cluster": ["name": "c", "project": "p"],
            ])
        case .valuesSchema:
            // Any schema document reads or fails with a diagnostic, and validates any value.
            var diagnostics = Diagnostics()
            guard let node = YAMLNode.single(text: text, file: "fuzz.yaml", diagnostics: &diagnostics),
                  let schema = ValuesSchema.read(node, diagnostics: &diagnostics) else { return }
            let defaulted = schema.applyingDefaults(to: nil) ?? .emptyObject
            _ = schema.validate(defaulted)
            _ = schema.validate(["a": 1, "b": ["c", 2.5, nil, true]])
        case .fieldPath:
            // A managedFields trie that reads writes back as one that reads the same.
            guard let json = try? JSONValue.parse(bytes), let set = try? FieldSet(fieldsV1: json) else { return }
            guard let again = try? FieldSet(fieldsV1: set.fieldsV1) else { fail("written fieldsV1 does not read: \(set.fieldsV1)") }
            check(again == set, "fieldsV1 reads back differently: \(set.fieldsV1)")
        }
    }

    private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fail(message()) }
    }

    private func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("fuzz target \(rawValue): \(message)\n".utf8))
        abort()
    }
}

/// The target `FUZZ_TARGET` names (libFuzzer runs one function per process).
private let target: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(Data("FUZZ_TARGET must be one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
        exit(2)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    target.run(bytes)
    return 0
}

/// libFuzzer's driver (`-sanitize=fuzzer` links it).
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                             _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// SwiftPM links an executable's entry point under this name (and `main` to it), so libFuzzer's
/// own `main` is not used: this one hands the command line to libFuzzer's driver.
@_cdecl("AddonManagerFuzz_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { data, size in fuzzOneInput(data, size) }
}
