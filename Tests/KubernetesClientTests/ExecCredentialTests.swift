import Foundation
import KubernetesModel
import Testing
@testable import KubernetesClient

@Suite struct ExecCredentialTests {
    static let clusterInfo = ExecCredentialPlugin.ClusterInfo(server: "https://10.0.0.1:6443", certificateAuthorityData: Array("CA".utf8), insecureSkipTLSVerify: false, tlsServerName: nil)

    /// A plugin that counts its runs, records KUBERNETES_EXEC_INFO and its env, and answers a token
    /// expiring at `$EXPIRY`.
    static func plugin(in dir: TemporaryDirectory, apiVersion: String, expiry: String) throws -> String {
        try dir.write("bin/get-token", """
            #!/bin/sh
            count=$(cat "\(dir.path)/runs" 2>/dev/null || echo 0)
            count=$((count + 1))
            echo $count > "\(dir.path)/runs"
            printf '%s' "$KUBERNETES_EXEC_INFO" > "\(dir.path)/exec-info"
            echo "$REGION $1" > "\(dir.path)/env"
            cat <<JSON
            {"apiVersion": "\(apiVersion)", "kind": "ExecCredential",
             "status": {"token": "token-$count", "expirationTimestamp": "\(expiry)"}}
            JSON
            """, executable: true)
    }

    static func runs(_ dir: TemporaryDirectory) -> Int {
        Int((try? String(contentsOfFile: dir.path + "/runs", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "0") ?? 0
    }

    @Test(arguments: ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"])
    func tokenFromPluginIsCachedUntilItExpires(apiVersion: String) async throws {
        let dir = try TemporaryDirectory()
        _ = try Self.plugin(in: dir, apiVersion: apiVersion, expiry: "2999-01-01T00:00:00Z")
        // A relative command resolves against the kubeconfig's directory.
        let config = ExecConfig(apiVersion: apiVersion, command: "bin/get-token", args: ["--prod"], env: [.init(name: "REGION", value: "eu-1")],
                                interactiveMode: .never, provideClusterInfo: true, baseDirectory: dir.path)
        let provider = CredentialProvider(credentials: .exec(config), clusterInfo: Self.clusterInfo)
        #expect(try await provider.authorization() == "Bearer token-1")
        #expect(try await provider.authorization() == "Bearer token-1")
        #expect(Self.runs(dir) == 1)

        let info = try JSONValue.parse(try String(contentsOfFile: dir.path + "/exec-info", encoding: .utf8))
        #expect(info["apiVersion"].stringValue == apiVersion)
        #expect(info["kind"].stringValue == "ExecCredential")
        #expect(info["spec"]["interactive"] == false)
        #expect(info["spec"]["cluster"]["server"].stringValue == "https://10.0.0.1:6443")
        #expect(info["spec"]["cluster"]["certificate-authority-data"].stringValue == Data("CA".utf8).base64EncodedString())
        #expect(try String(contentsOfFile: dir.path + "/env", encoding: .utf8) == "eu-1 --prod\n")

        // After a 401 the plugin runs again.
        await provider.invalidate()
        #expect(try await provider.authorization() == "Bearer token-2")
    }

    /// A plugin file still open for writing (being replaced, or just written by a process that
    /// forked meanwhile) cannot be run for a moment ("Text file busy"): the launch is retried,
    /// and the credential comes once the writer lets go.
    @Test func aPluginBusyBeingWrittenIsRunOnceItIsFree() async throws {
        let dir = try TemporaryDirectory()
        let path = try Self.plugin(in: dir, apiVersion: "client.authentication.k8s.io/v1", expiry: "2999-01-01T00:00:00Z")
        let writer = open(path, O_WRONLY | O_CLOEXEC)
        #expect(writer >= 0)
        let config = ExecConfig(apiVersion: "client.authentication.k8s.io/v1", command: path)
        let provider = CredentialProvider(credentials: .exec(config), clusterInfo: Self.clusterInfo)
        // Let go from a thread of its own: the tests' cooperative threads and Dispatch's may all
        // be busy (a full suite runs many plugins and servers at once).
        Thread {
            usleep(30_000)
            close(writer)
        }.start()
        #expect(try await provider.authorization() == "Bearer token-1")
    }

    @Test func textFileBusyIsRecognisedThroughFoundationsWrapping() {
        let busy = NSError(domain: NSCocoaErrorDomain, code: 256, userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(ETXTBSY))])
        let missing = NSError(domain: NSCocoaErrorDomain, code: 260, userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(ENOENT))])
        #expect(ExecCredentialPlugin.isTextFileBusy(busy))
        #expect(!ExecCredentialPlugin.isTextFileBusy(missing))
    }

    @Test func expiredCredentialIsFetchedAgain() async throws {
        let dir = try TemporaryDirectory()
        _ = try Self.plugin(in: dir, apiVersion: "client.authentication.k8s.io/v1beta1", expiry: "2000-01-01T00:00:00Z")
        let config = ExecConfig(apiVersion: "client.authentication.k8s.io/v1beta1", command: dir.path + "/bin/get-token")
        let provider = CredentialProvider(credentials: .exec(config), clusterInfo: Self.clusterInfo)
        #expect(try await provider.authorization() == "Bearer token-1")
        #expect(try await provider.authorization() == "Bearer token-2")
    }

    /// Plugins print tokens and device codes on stderr: a failure names the status, never the text.
    @Test func pluginFailureIsACredentialsErrorWithoutItsStderr() async throws {
        let dir = try TemporaryDirectory()
        let script = try dir.write("fail", "#!/bin/sh\necho 'login required, code s3cr3t-device-code' >&2\nexit 3\n", executable: true)
        let plugin = ExecCredentialPlugin(config: ExecConfig(apiVersion: "client.authentication.k8s.io/v1", command: script, interactiveMode: .never))
        await #expect {
            try await plugin.run()
        } throws: { error in
            guard let error = error as? KubernetesError else { return false }
            return error.kind == .credentials && error.message.contains("status 3") && !"\(error)".contains("s3cr3t-device-code")
                && error.message.contains("bytes to stderr")
        }
    }

    @Test func aPluginThatHangsIsKilledAtItsTimeout() async throws {
        let dir = try TemporaryDirectory()
        let script = try dir.write("hang", "#!/bin/sh\nexec sleep 30\n", executable: true)
        let plugin = ExecCredentialPlugin(config: ExecConfig(apiVersion: "client.authentication.k8s.io/v1", command: script, interactiveMode: .never),
                                          timeout: .milliseconds(300))
        let started = ContinuousClock.now
        await #expect {
            try await plugin.run()
        } throws: { error in
            guard let error = error as? KubernetesError else { return false }
            return error.kind == .credentials && error.message.contains("did not finish within")
        }
        #expect(started.duration(to: .now) < .seconds(10))
    }

    @Test func missingCommandShowsTheInstallHint() async throws {
        let plugin = ExecCredentialPlugin(config: ExecConfig(apiVersion: "client.authentication.k8s.io/v1", command: "/nonexistent/get-token",
                                                             interactiveMode: .never, installHint: "install it with: brew install get-token"))
        await #expect {
            try await plugin.run()
        } throws: { error in
            (error as? KubernetesError)?.message.contains("brew install get-token") == true
        }
    }

    @Test func outputIsChecked() throws {
        let plugin = ExecCredentialPlugin(config: ExecConfig(apiVersion: "client.authentication.k8s.io/v1", command: "x", interactiveMode: .never))
        let good = try plugin.parse(Array(#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientCertificateData":"CERT","clientKeyData":"KEY"}}"#.utf8))
        #expect(good.clientCertificatePEM == Array("CERT".utf8))
        #expect(good.clientKeyPEM == Array("KEY".utf8))
        #expect(good.token == nil)
        #expect(good.expiration == nil)
        let bad = [
            #"not json"#,
            #"{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"t"}}"#,
            #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{}}"#,
            #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientCertificateData":"C"}}"#,
            #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t","expirationTimestamp":"tomorrow"}}"#,
        ]
        for output in bad {
            #expect(throws: KubernetesError.self, "\(output)") { try plugin.parse(Array(output.utf8)) }
        }
    }

    @Test func interactivePluginsAreRefused() async throws {
        let plugin = ExecCredentialPlugin(config: ExecConfig(apiVersion: "client.authentication.k8s.io/v1", command: "/bin/true", interactiveMode: .always))
        await #expect {
            try await plugin.run()
        } throws: { error in
            (error as? KubernetesError)?.message.contains("interactive") == true
        }
    }
}
