import Foundation
import Testing
import TestSupport

/// What can be checked of deploy/Containerfile by reading it (this machine has no container
/// engine to build it): its builds, and what it copies from them where. Found by reading it: it
/// asked one `swift build` for two products (SwiftPM builds the last only, so the image had no
/// addon-manager), and it copied the binaries without the resource bundles they load from beside
/// themselves (`run --install-crds` would have stopped at start: "could not load resource bundle").
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

    /// The `COPY --from=build` instructions as their words: the sources, then the destination.
    static func copiesFromBuild() throws -> [[String]] {
        try instructions().filter { $0.hasPrefix("COPY --from=build ") }.map { $0.split(separator: " ").dropFirst(2).map(String.init) }
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
                #expect(command.contains("-c release"), "the release configuration, whose binaries the COPY takes from .build/release: \(command)")
                built.formUnion(products)
            }
        }
        #expect(instructions.contains("WORKDIR /src"), "the builds run in /src, where the COPYs take their output from")
        let binaries = try Self.copiesFromBuild().filter { !($0.last ?? "").hasSuffix(".resources") }
        #expect(!binaries.isEmpty)
        for copy in binaries {
            #expect(copy.last == "/usr/local/bin/", "binaries go to /usr/local/bin/, where the ENTRYPOINT looks: \(copy)")
            for source in copy.dropLast() {
                #expect(source.hasPrefix("/src/.build/release/"), "a binary of the release build: \(source)")
                let binary = String(source.split(separator: "/").last ?? "")
                #expect(built.contains(binary), "\(binary) is copied into the image but no `swift build` builds it")
            }
        }
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
        let copies = try Self.copiesFromBuild()
        for bundle in bundles {
            #expect(copies.contains { $0.dropLast().contains("/src/.build/release/\(bundle)") && $0.last == "/usr/local/bin/\(bundle)" },
                    "deploy/Containerfile does not copy \(bundle) beside the binaries in /usr/local/bin")
        }
    }
}
