import Foundation
import KubernetesModel

/// Runs an exec credential plugin and reads its `ExecCredential`.
public struct ExecCredentialPlugin: Sendable {
    public static let supportedVersions: Set<String> = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"]

    /// What a plugin gave us.
    public struct Credential: Sendable, Hashable {
        public var token: String?
        public var clientCertificatePEM: [UInt8]?
        public var clientKeyPEM: [UInt8]?
        /// When to run the plugin again (nil: the credential does not expire; it is re-run after a 401).
        public var expiration: Date?

        public init(token: String? = nil, clientCertificatePEM: [UInt8]? = nil, clientKeyPEM: [UInt8]? = nil, expiration: Date? = nil) {
            self.token = token
            self.clientCertificatePEM = clientCertificatePEM
            self.clientKeyPEM = clientKeyPEM
            self.expiration = expiration
        }
    }

    /// The cluster information handed to plugins with `provideClusterInfo: true`.
    public struct ClusterInfo: Sendable, Hashable {
        public var server: String
        public var certificateAuthorityData: [UInt8]?
        public var insecureSkipTLSVerify: Bool
        public var tlsServerName: String?
    }

    public let config: ExecConfig
    public let clusterInfo: ClusterInfo?
    /// How long the plugin may run before it is killed and the run fails.
    public let timeout: Duration

    public static let defaultTimeout: Duration = .seconds(30)

    public init(config: ExecConfig, clusterInfo: ClusterInfo? = nil, timeout: Duration = ExecCredentialPlugin.defaultTimeout) {
        self.config = config
        self.clusterInfo = clusterInfo
        self.timeout = timeout
    }

    /// The `ExecCredential` handed to the plugin in `KUBERNETES_EXEC_INFO`.
    public var execInfo: JSONValue {
        var spec: JSONValue = ["interactive": false]
        if config.provideClusterInfo, let info = clusterInfo {
            var cluster: JSONValue = ["server": .string(info.server)]
            if let ca = info.certificateAuthorityData { cluster["certificate-authority-data"] = .string(Data(ca).base64EncodedString()) }
            if info.insecureSkipTLSVerify { cluster["insecure-skip-tls-verify"] = true }
            if let name = info.tlsServerName { cluster["tls-server-name"] = .string(name) }
            spec["cluster"] = cluster
        }
        return ["apiVersion": .string(config.apiVersion), "kind": "ExecCredential", "spec": spec]
    }

    /// Runs the plugin (off the cooperative pool) and parses what it printed.
    public func run() async throws -> Credential {
        if config.interactiveMode == .always {
            // We never have a terminal to hand the plugin (kubectl refuses the same way without one).
            throw failure("interactiveMode is Always, but addon-manager cannot run plugins interactively")
        }
        let output = try await runProcess()
        return try parse(output)
    }

    /// Parses the plugin's standard output.
    public func parse(_ output: [UInt8]) throws -> Credential {
        let json: JSONValue
        do {
            json = try JSONValue.parse(output)
        } catch {
            throw failure("printed something that is not JSON (\(error))")
        }
        guard json["kind"].stringValue == "ExecCredential" else { throw failure("printed a \(json["kind"].stringValue ?? "document") instead of an ExecCredential") }
        guard json["apiVersion"].stringValue == config.apiVersion else {
            throw failure("answered apiVersion \(json["apiVersion"].stringValue ?? "none"), expected \(config.apiVersion)")
        }
        let status = json["status"]
        guard case .object = status else { throw failure("the ExecCredential has no status") }
        var credential = Credential()
        credential.token = status["token"].stringValue.flatMap { $0.isEmpty ? nil : $0 }
        credential.clientCertificatePEM = status["clientCertificateData"].stringValue.map { Array($0.utf8) }
        credential.clientKeyPEM = status["clientKeyData"].stringValue.map { Array($0.utf8) }
        if let text = status["expirationTimestamp"].stringValue {
            guard let date = KubeTime.parse(text) else { throw failure("status.expirationTimestamp \"\(text)\" is not an RFC 3339 time") }
            credential.expiration = date
        }
        if (credential.clientCertificatePEM == nil) != (credential.clientKeyPEM == nil) {
            throw failure("status has clientCertificateData without clientKeyData or the reverse")
        }
        if credential.token == nil && credential.clientCertificatePEM == nil {
            throw failure("status has neither a token nor clientCertificateData and clientKeyData")
        }
        return credential
    }

    /// Launch attempts while the plugin's file is busy, 20 ms apart and doubling: about 1.3 s in all.
    static let busyLaunchAttempts = 7

    /// The plugin's process, its environment (with `KUBERNETES_EXEC_INFO`) and pipes.
    private static func makeProcess(_ config: ExecConfig, info: String) -> (Process, Pipe, Pipe) {
        let process = Process()
        let command = config.command
        if command.contains("/") {
            process.executableURL = URL(fileURLWithPath: Kubeconfig.absolutePath(command, relativeTo: config.baseDirectory))
            process.arguments = config.args
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [command] + config.args
        }
        var environment = ProcessInfo.processInfo.environment
        for variable in config.env { environment[variable.name] = variable.value }
        environment["KUBERNETES_EXEC_INFO"] = info
        process.environment = environment
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        return (process, stdout, stderr)
    }

    /// Whether launching failed with ETXTBSY (Foundation wraps the errno in its own error).
    static func isTextFileBusy(_ error: any Error) -> Bool {
        var current: NSError? = error as NSError
        while let e = current {
            if e.domain == NSPOSIXErrorDomain, e.code == Int(ETXTBSY) { return true }
            current = e.userInfo[NSUnderlyingErrorKey] as? NSError
        }
        return false
    }

    private func failure(_ reason: String) -> KubernetesError {
        KubernetesError(kind: .credentials, message: "exec plugin \(config.command): \(reason)")
    }

    /// Runs the plugin; kills it after `timeout` or when the task is cancelled. Its stderr is
    /// read (so a chatty plugin cannot block on a full pipe) but never shown: plugins print
    /// tokens, URLs with codes and user names there, and errors end up in status and logs.
    private func runProcess() async throws -> [UInt8] {
        let config = self.config
        let info = execInfo.jsonString()
        let run = PluginRun()
        let timeout = self.timeout
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                DispatchQueue.global().async {
                    let command = config.command
                    var (process, stdout, stderr) = Self.makeProcess(config, info: info)
                    // "Text file busy": the plugin's file is open for writing somewhere (being
                    // replaced, or just written by a process that forked meanwhile). It passes in
                    // moments; a credential must not fail for it. A new Process each attempt.
                    for attempt in 1...Self.busyLaunchAttempts {
                        guard run.start(process) else {
                            continuation.resume(throwing: CancellationError())
                            return
                        }
                        guard let error = run.launchError, Self.isTextFileBusy(error), attempt < Self.busyLaunchAttempts else { break }
                        Thread.sleep(forTimeInterval: 0.02 * Double(1 << (attempt - 1)))
                        (process, stdout, stderr) = Self.makeProcess(config, info: info)
                    }
                    if let error = run.launchError {
                        var message = "exec plugin \(command): cannot run it: \(error.localizedDescription)"
                        if let hint = config.installHint { message += "\n\(hint)" }
                        continuation.resume(throwing: KubernetesError(kind: .credentials, message: message))
                        return
                    }
                    let deadline = DispatchWorkItem { run.stop(timedOut: true) }
                    DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(timeout / .milliseconds(1))), execute: deadline)
                    let errorBytes = StderrCollector(stderr.fileHandleForReading)
                    let data = stdout.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    deadline.cancel()
                    let stderrCount = errorBytes.finish()
                    switch run.ending {
                    case .timedOut:
                        continuation.resume(throwing: KubernetesError(kind: .credentials, message: "exec plugin \(command) did not finish within \(timeout); it was killed"))
                    case .cancelled:
                        continuation.resume(throwing: CancellationError())
                    case .none:
                        guard process.terminationStatus == 0 else {
                            let detail = stderrCount == 0 ? "" : " (it wrote \(stderrCount) bytes to stderr, not shown: they may hold credentials)"
                            continuation.resume(throwing: KubernetesError(kind: .credentials,
                                                                          message: "exec plugin \(command) exited with status \(process.terminationStatus)\(detail)"))
                            return
                        }
                        continuation.resume(returning: [UInt8](data))
                    }
                }
            }
        } onCancel: {
            run.stop(timedOut: false)
        }
    }
}

/// One run of a plugin process, stopped by its deadline or by cancellation from any thread.
private final class PluginRun: @unchecked Sendable {
    enum Ending { case timedOut, cancelled }
    private let lock = NSLock()
    private var process: Process?
    private var stopped: Ending?
    private(set) var launchError: (any Error)?

    /// Launches `process` unless the run was already cancelled; false when it was.
    /// `launchError` is this launch's (a failed earlier attempt's is forgotten).
    func start(_ process: Process) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard stopped == nil else { return false }
        launchError = nil
        do {
            try process.run()
            self.process = process
        } catch {
            launchError = error
        }
        return true
    }

    var ending: Ending? {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    /// Kills the process (SIGKILL: a plugin stuck on a prompt or a network call may ignore SIGTERM).
    func stop(timedOut: Bool) {
        lock.lock()
        defer { lock.unlock() }
        guard stopped == nil else { return }
        stopped = timedOut ? .timedOut : .cancelled
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// Reads a plugin's stderr on its own thread so a chatty plugin cannot block on a full pipe; only its size is kept.
private final class StderrCollector: @unchecked Sendable {
    private let group = DispatchGroup()
    private var data = Data()

    init(_ handle: FileHandle) {
        group.enter()
        DispatchQueue.global().async {
            self.data = handle.readDataToEndOfFile()
            self.group.leave()
        }
    }

    /// Waits for the end of stderr; returns how many bytes the plugin wrote there (never the bytes).
    func finish() -> Int {
        group.wait()
        return data.count
    }
}
