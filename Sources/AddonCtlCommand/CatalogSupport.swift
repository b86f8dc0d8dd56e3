import AddonCatalog
import ArgumentParser
import Foundation
import KubernetesModel

/// `--dir`: the directory holding `addons/` and `catalog/` (default: the current directory).
struct CatalogDirectoryOption: ParsableArguments {
    @Option(name: .long, help: "The directory holding addons/ and catalog/ (default: the current directory).")
    var dir: String = FileManager.default.currentDirectoryPath

    /// Loads the catalog, or prints every problem (`file:line: message`) and exits non-zero.
    func load() throws -> Catalog {
        do {
            return try Catalog.load(directory: dir)
        } catch {
            CatalogOutput.printErrors(error.errors)
            throw ExitCode.failure
        }
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, yaml
}

enum CatalogOutput {
    /// Loads the catalog of `directory`, or writes every problem to the console's error and exits non-zero.
    static func load(directory: String, console: KubeConsole) throws -> Catalog {
        do {
            return try Catalog.load(directory: directory)
        } catch {
            console.err(error.errors.map(\.description).joined(separator: "\n"))
            throw ExitCode.failure
        }
    }

    static func printErrors(_ errors: [CatalogError]) {
        var text = errors.map(\.description).joined(separator: "\n")
        if !text.isEmpty { text += "\n" }
        FileHandle.standardError.write(Data(text.utf8))
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// Columns padded to the widest cell, as kubectl prints tables.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i] + 3, withPad: " ", startingAt: 0)
            }.joined()
        }.joined(separator: "\n") + "\n"
    }

    static func emit(_ value: JSONValue, format: OutputFormat) -> String {
        switch format {
        case .json: return value.prettyJSONString(indent: 2) + "\n"
        default: return YAML.emit(value)
        }
    }
}
