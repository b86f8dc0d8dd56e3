import Foundation
import Testing
import TestSupport

/// deploy/Containerfile, read as the image build would carry it out (this machine has no
/// container engine to build it). Found by reading it: it asked one `swift build` for two
/// products (SwiftPM builds the last only, so the image had no addon-manager), and it copied
/// the binaries without the resource bundles they load from beside themselves (the pod would
/// have stopped at start with "could not load resource bundle").
@Suite struct ContainerImageTests {
    static let containerfile = DeployRBACTests.repository.appendingPathComponent("deploy/Containerfile")

    /// The Containerfile's instructions, continuation lines joined, comments left out.
    static func instructions() throws -> [String] {
        let text = try String(contentsOf: containerfile, encoding: .utf8)
        var joined: [String] = []
        var current = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if current.isEmpty && (trimmed.hasPrefix("#") || trimmed.isEmpty) { continue }
            if trimmed.hasSuffix("\\") {
                current += trimmed.dropLast() + " "
            } else {
                joined.append(current + trimmed)
                current = ""
            }
        }
        return joined
    }

    /// Each `swift build` builds one product, and every binary copied into the image is one of them.
    @Test func everyBinaryCopiedIsBuilt() throws {
        let instructions = try Self.instructions()
        var built: Set<String> = []
        for run in instructions where run.hasPrefix("RUN ") {
            for command in run.dropFirst(4).components(separatedBy: "&&") where command.contains("swift build") {
                let words = command.split(separator: " ").map(String.init)
                let products = words.indices.filter { words[$0] == "--product" }.map { words[$0 + 1] }
                #expect(products.count == 1, "one product per `swift build` (it builds only the last of several): \(command)")
                #expect(words.contains("--static-swift-stdlib"), "built as the benchmarks and CI's smoke test build: \(command)")
                built.formUnion(products)
            }
        }
        let copied = instructions.filter { $0.hasPrefix("COPY --from=build ") }
            .flatMap { $0.split(separator: " ").dropFirst(2).dropLast() }
            .map { String($0.split(separator: "/").last ?? "") }
            .filter { !$0.hasSuffix(".resources") }
        #expect(!copied.isEmpty)
        for binary in copied { #expect(built.contains(binary), "\(binary) is copied into the image but no `swift build` builds it") }
        #expect(built.isSuperset(of: ["addon-manager", "addonctl"]))
    }

    /// Every resource bundle of the package's products (those `swift build` put beside the
    /// tests, apart from the tests' own) is copied beside the binaries.
    @Test func everyResourceBundleIsCopiedBesideTheBinaries() throws {
        let executable = try #require(builtExecutable(named: "addon-manager"), "addon-manager is not built beside the tests")
        let directory = executable.deletingLastPathComponent()
        let bundles = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasPrefix("addon-manager_") && $0.hasSuffix(".resources") && !$0.hasSuffix("Tests.resources") }
        #expect(bundles.contains("addon-manager_AddonController.resources"), "\(bundles)")
        let copies = try Self.instructions().filter { $0.hasPrefix("COPY --from=build ") }
        for bundle in bundles {
            #expect(copies.contains { $0.contains("/src/.build/release/\(bundle) ") && $0.hasSuffix(" /usr/local/bin/\(bundle)") },
                    "deploy/Containerfile does not copy \(bundle) beside the binaries in /usr/local/bin")
        }
    }
}
