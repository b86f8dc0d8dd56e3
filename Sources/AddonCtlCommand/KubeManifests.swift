import Foundation
import KubernetesModel

/// The objects of manifest files (`-f FILE_OR_DIR`), each with where it came from. Reading is
/// all or nothing: invalid YAML, a document that is not an object, or an object without
/// apiVersion, kind or metadata.name is an error naming file and line, and nothing is returned.
struct KubeManifests {
    struct Entry {
        var object: KubeObject
        var file: String
        var line: Int
        var location: String { "\(file):\(line)" }
    }

    var entries: [Entry] = []

    /// Reads every path: a file, a directory (its `.yaml`, `.yml` and `.json` files, in name
    /// order; with `recursive` also those of its subdirectories) or `-` for standard input.
    static func read(_ paths: [String], recursive: Bool = false) throws -> KubeManifests {
        var manifests = KubeManifests()
        for path in paths {
            for file in try files(at: path, recursive: recursive) {
                try manifests.add(file: file)
            }
        }
        return manifests
    }

    private static func files(at path: String, recursive: Bool) throws -> [String] {
        if path == "-" { return ["-"] }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw KubeCommandError("the path \"\(path)\" does not exist")
        }
        guard isDirectory.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        var result: [String] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let child = (path as NSString).appendingPathComponent(name)
            var childIsDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: child, isDirectory: &childIsDirectory)
            if childIsDirectory.boolValue {
                if recursive { result += try files(at: child, recursive: true) }
            } else if name.hasSuffix(".yaml") || name.hasSuffix(".yml") || name.hasSuffix(".json") {
                result.append(child)
            }
        }
        if result.isEmpty { throw KubeCommandError("no .yaml, .yml or .json files in \(path)") }
        return result
    }

    private mutating func add(file: String) throws {
        let text: String
        if file == "-" {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else {
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw KubeCommandError("\(file): cannot read: \(error.localizedDescription)")
            }
        }
        let name = file == "-" ? "<stdin>" : file
        let documents: [YAMLDocument]
        do {
            documents = try YAML.documents(in: text, file: name)
        } catch {
            throw KubeCommandError(error.description)
        }
        for document in documents {
            if document.value.isNull { continue }
            try add(document.value, file: name, line: document.line, document: document, path: [])
        }
    }

    private mutating func add(_ value: JSONValue, file: String, line: Int, document: YAMLDocument, path: [String]) throws {
        guard case .object = value else {
            throw KubeCommandError("\(file):\(line): the document is a \(value.typeName), not a Kubernetes object")
        }
        let object = KubeObject(value)
        // A `kind: List` (what `get -o yaml` prints) holds objects in `items`.
        if object.kind == "List" || (object.kind.hasSuffix("List") && value["items"].arrayValue != nil && object.name.isEmpty) {
            for (index, item) in (value["items"].arrayValue ?? []).enumerated() {
                let itemPath = path + ["items", String(index)]
                try add(item, file: file, line: document.line(of: itemPath), document: document, path: itemPath)
            }
            return
        }
        func missing(_ field: String, at fieldPath: [String]) -> KubeCommandError {
            KubeCommandError("\(file):\(document.line(of: fieldPath)): the object has no \(field)")
        }
        if value["apiVersion"].stringValue?.isEmpty ?? true { throw missing("apiVersion", at: path) }
        if value["kind"].stringValue?.isEmpty ?? true { throw missing("kind", at: path) }
        if !value["metadata"].isNull, value["metadata"].objectValue == nil {
            throw KubeCommandError("\(file):\(document.line(of: path + ["metadata"])): metadata is a \(value["metadata"].typeName), not a map")
        }
        if value["metadata"]["name"].stringValue?.isEmpty ?? true {
            throw KubeCommandError("\(file):\(document.line(of: path + ["metadata"])): the \(object.kind) has no metadata.name")
        }
        entries.append(Entry(object: object, file: file, line: document.line(of: path)))
    }
}
