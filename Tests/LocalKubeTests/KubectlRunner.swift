import TestSupport
import Foundation
import KubernetesModel
import LocalKube

/// Stock `kubectl` run as a subprocess against a LocalKube cluster (a kubeconfig written for it).
struct KubectlRunner {
    struct Result {
        var status: Int32
        var output: String
        var error: String
    }

    /// The kubectl binary on PATH, if any.
    static let executable: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/kubectl"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    /// CI sets ADDON_MANAGER_REQUIRE_KUBECTL=1: a missing kubectl is then a failure, not a skip.
    static let required = ProcessInfo.processInfo.environment["ADDON_MANAGER_REQUIRE_KUBECTL"] == "1"
    static var shouldRun: Bool { executable != nil || required }

    let kubeconfig: String

    init(server: LocalKubeServer, cluster: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("localkube-kubectl-\(UUID().uuidString)")
        kubeconfig = dir.appendingPathComponent("kubeconfig").path
        try server.writeKubeconfig(for: cluster, to: kubeconfig)
    }

    func process(_ arguments: [String]) throws -> Process {
        guard let executable = Self.executable else { throw FixtureError("kubectl is not installed (ADDON_MANAGER_REQUIRE_KUBECTL=1)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--kubeconfig", kubeconfig] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["KUBECACHEDIR"] = URL(fileURLWithPath: kubeconfig).deletingLastPathComponent().appendingPathComponent("cache").path
        environment["HOME"] = URL(fileURLWithPath: kubeconfig).deletingLastPathComponent().path
        process.environment = environment
        return process
    }

    /// Run to completion.
    func run(_ arguments: [String]) async throws -> Result {
        let process = try process(arguments)
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let output = OutputBuffer()
        let errors = OutputBuffer()
        out.fileHandleForReading.readabilityHandler = { output.append($0.availableData) }
        err.fileHandleForReading.readabilityHandler = { errors.append($0.availableData) }
        try process.run()
        await process.exited()
        out.fileHandleForReading.readabilityHandler = nil
        err.fileHandleForReading.readabilityHandler = nil
        output.append(out.fileHandleForReading.readDataToEndOfFile())
        errors.append(err.fileHandleForReading.readDataToEndOfFile())
        return Result(status: process.terminationStatus, output: output.text, error: errors.text)
    }
}

/// Bytes a subprocess wrote so far, collected from its pipe's handler thread.
final class OutputBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    func append(_ chunk: Data) {
        lock.lock()
        data.append(chunk)
        lock.unlock()
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }
}
