#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KubernetesModel
import Synchronization

/// Debian's `chromium` in headless mode, driven over the DevTools protocol through a pipe
/// (`--remote-debugging-pipe`: commands on fd 3, answers on fd 4, each a JSON text ending in
/// NUL), so the tests need no WebSocket client. One page (tab) per instance.
final class HeadlessChromium: Sendable {
    struct Failure: Error, CustomStringConvertible { var description: String }

    /// The browser, or nil when it is not installed (`apt-get install chromium`).
    static var executable: String? {
        let candidates = [ProcessInfo.processInfo.environment["CHROMIUM"], "/usr/bin/chromium", "/usr/bin/chromium-browser"].compactMap { $0 }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private let pid: pid_t
    private let commands: Int32
    private let answers: Int32
    private let profile: URL
    private let shared = Shared()

    private final class Shared: Sendable {
        let state = Mutex(State())
    }

    private struct State {
        var next = 0
        var waiting: [Int: CheckedContinuation<JSONValue, any Error>] = [:]
        var closed = false
        /// The DevTools session of the page the commands go to.
        var session: String?
    }

    static func launch() async throws -> HeadlessChromium {
        guard let executable else { throw Failure(description: "chromium is not installed (apt-get install chromium)") }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        var toBrowser: [Int32] = [0, 0], fromBrowser: [Int32] = [0, 0]
        guard pipe(&toBrowser) == 0, pipe(&fromBrowser) == 0 else { throw Failure(description: "pipe: \(errno)") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toBrowser[0], 3)
        posix_spawn_file_actions_adddup2(&actions, fromBrowser[1], 4)
        let devNull = open("/dev/null", O_WRONLY)
        posix_spawn_file_actions_adddup2(&actions, devNull, 1)
        posix_spawn_file_actions_adddup2(&actions, devNull, 2)
        let arguments = [executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                         "--no-default-browser-check", "--disable-extensions", "--remote-debugging-pipe",
                         "--user-data-dir=\(profile.path)", "--window-size=1280,900", "about:blank"]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, &argv, environ)
        Glibc.close(toBrowser[0])
        Glibc.close(fromBrowser[1])
        Glibc.close(devNull)
        guard spawned == 0 else { throw Failure(description: "could not start \(executable): \(spawned)") }
        let browser = HeadlessChromium(pid: pid, commands: toBrowser[1], answers: fromBrowser[0], profile: profile)
        do {
            let target = try await browser.call("Target.createTarget", ["url": "about:blank"], session: nil)
            let attached = try await browser.call("Target.attachToTarget", ["targetId": target["targetId"], "flatten": true], session: nil)
            guard let session = attached["sessionId"].stringValue else { throw Failure(description: "no DevTools session: \(attached)") }
            browser.shared.state.withLock { $0.session = session }
            return browser
        } catch {
            browser.close()
            throw error
        }
    }

    private init(pid: pid_t, commands: Int32, answers: Int32, profile: URL) {
        self.pid = pid
        self.commands = commands
        self.answers = answers
        self.profile = profile
        let shared = self.shared
        let reader = Thread {
            let state = shared
            var buffer: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = read(answers, &chunk, chunk.count)
                if count <= 0 { break }
                buffer += chunk[0..<count]
                while let end = buffer.firstIndex(of: 0) {
                    let message = (try? JSONValue.parse(buffer[..<end])) ?? .null
                    buffer.removeSubrange(...end)
                    guard let id = message["id"].intValue else { continue }
                    let waiter = state.state.withLock { $0.waiting.removeValue(forKey: Int(id)) }
                    if message["error"].isNull {
                        waiter?.resume(returning: message["result"])
                    } else {
                        waiter?.resume(throwing: Failure(description: "DevTools: \(message["error"])"))
                    }
                }
            }
            let waiters = state.state.withLock { state in
                state.closed = true
                defer { state.waiting = [:] }
                return state.waiting.values
            }
            for waiter in waiters { waiter.resume(throwing: Failure(description: "the browser closed its DevTools pipe")) }
        }
        reader.start()
    }

    /// A command to the page.
    func call(_ method: String, _ params: JSONValue = [:]) async throws -> JSONValue {
        try await call(method, params, session: shared.state.withLock { $0.session })
    }

    private func call(_ method: String, _ params: JSONValue, session: String?) async throws -> JSONValue {
        try await withCheckedThrowingContinuation { continuation in
            let id: Int? = shared.state.withLock { state in
                guard !state.closed else { return nil }
                state.next += 1
                state.waiting[state.next] = continuation
                return state.next
            }
            guard let id else { return continuation.resume(throwing: Failure(description: "the browser is closed")) }
            var message: JSONValue = ["id": .int(Int64(id)), "method": .string(method), "params": params]
            if let session, !session.isEmpty { message["sessionId"] = .string(session) }
            let bytes = message.serialized() + [0]
            let written = bytes.withUnsafeBytes { write(commands, $0.baseAddress, $0.count) }
            if written != bytes.count {
                let waiter = shared.state.withLock { $0.waiting.removeValue(forKey: id) }
                waiter?.resume(throwing: Failure(description: "could not write to the browser"))
            }
        }
    }

    /// Evaluates a JavaScript expression in the page (promises awaited) and returns its value.
    func evaluate(_ expression: String) async throws -> JSONValue {
        let result = try await call("Runtime.evaluate", ["expression": .string(expression), "awaitPromise": true, "returnByValue": true])
        if !result["exceptionDetails"].isNull { throw Failure(description: "JavaScript failed: \(result["exceptionDetails"])") }
        return result["result"]["value"]
    }

    func navigate(_ url: String) async throws {
        _ = try await call("Page.navigate", ["url": .string(url)])
        for _ in 0..<200 {
            if try await evaluate("document.readyState") == "complete" { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure(description: "\(url) did not load")
    }

    func screenshot(to file: URL) async throws {
        let shot = try await call("Page.captureScreenshot", ["format": "png"])
        guard let data = shot["data"].stringValue.flatMap({ Data(base64Encoded: $0) }) else { throw Failure(description: "no screenshot") }
        try data.write(to: file)
    }

    func close() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        Glibc.close(commands)
        try? FileManager.default.removeItem(at: profile)
    }
}
