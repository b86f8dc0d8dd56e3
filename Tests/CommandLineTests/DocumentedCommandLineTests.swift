import ArgumentParser
import Foundation
import KubernetesModel
import Testing
@testable import AddonCtlCommand
@testable import AddonManagerCommand

/// Documentation and flags cannot drift: every `addon-manager` and `addonctl` command line that
/// README.md, deploy/README.md and catalog/README.md show, and the container arguments of
/// deploy/addon-manager.yaml, parse with the real command parsers.
@Suite struct DocumentedCommandLineTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func read(_ relativePath: String) throws -> String {
        try String(contentsOf: repository.appendingPathComponent(relativePath), encoding: .utf8)
    }

    /// Parses a command line with the program's own parser; the error as the program would print it.
    static func parseError(_ command: DocumentedCommandLine) -> String? {
        do {
            switch command.program {
            case .addonManager: _ = try AddonManager.parseAsRoot(command.arguments)
            case .addonctl: _ = try AddonCtl.parseAsRoot(command.arguments)
            }
            return nil
        } catch {
            switch command.program {
            case .addonManager: return AddonManager.fullMessage(for: error)
            case .addonctl: return AddonCtl.fullMessage(for: error)
            }
        }
    }

    @Test(arguments: ["README.md", "deploy/README.md", "catalog/README.md"])
    func everyDocumentedCommandLineParses(document: String) throws {
        let commands = DocumentedCommandLine.all(inMarkdown: try Self.read(document), file: document)
        #expect(!commands.isEmpty, "\(document) shows no addon-manager or addonctl command line: the extraction is broken")
        for command in commands {
            if let error = Self.parseError(command) {
                Issue.record("\(command)\n  does not parse: \(error)")
            }
        }
    }

    @Test func readmeShowsTheRunCommandWithInstallCRDs() throws {
        let commands = DocumentedCommandLine.all(inMarkdown: try Self.read("README.md"), file: "README.md")
        #expect(commands.contains { $0.program == .addonManager && $0.arguments.first == "run" && $0.arguments.contains("--install-crds") })
    }

    @Test func deployedContainerArgumentsParse() throws {
        let text = try Self.read("deploy/addon-manager.yaml")
        let documents = try YAML.documents(in: text, file: "deploy/addon-manager.yaml")
        var checked = 0
        for document in documents where document.value["kind"].stringValue == "Deployment" {
            for container in document.value["spec"]["template"]["spec"]["containers"].arrayValue ?? [] {
                let arguments = (container["args"].arrayValue ?? []).compactMap(\.stringValue)
                let command = DocumentedCommandLine(program: .addonManager, arguments: arguments, file: "deploy/addon-manager.yaml", line: document.line)
                #expect(Self.parseError(command) == nil, "\(command): \(Self.parseError(command) ?? "")")
                #expect(arguments.contains("--install-crds"))
                checked += 1
            }
        }
        #expect(checked == 1, "expected the addon-manager Deployment's one container")
    }

    @Test func theFlagsOfTheDocumentsAreTheParsersFlags() {
        // The flag that drifted once: ArgumentParser spells `installCRDs` `--install-cr-ds`.
        #expect(Self.parseError(.init(program: .addonManager, arguments: ["run", "--install-crds"], file: "-", line: 0)) == nil)
        #expect(Self.parseError(.init(program: .addonManager, arguments: ["run", "--install-cr-ds"], file: "-", line: 0)) != nil)
    }

    @Test func extractionFindsBlocksAndInlineSpans() {
        let markdown = """
        Run:

            swift run addon-manager dev --clusters 3      # a comment
            kubectl get pods

        Then `addonctl status [CLUSTER] [-n PROJECT]
        [-A]` and `addonctl catalog render NAME --cluster x.yaml`.

        ```
        CONFIG=release addon-manager dev --clusters N | tee log
        ```
        """
        let commands = DocumentedCommandLine.all(inMarkdown: markdown, file: "x.md")
        #expect(commands.map(\.description) == [
            "x.md:3: addon-manager dev --clusters 3",
            "x.md:6: addonctl status",
            "x.md:7: addonctl catalog render 1 --cluster x.yaml",
            "x.md:10: addon-manager dev --clusters 1",
        ])
    }
}
