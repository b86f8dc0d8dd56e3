import KubernetesModel
import Logging
import Testing
@testable import LocalKube

/// A watcher that does not read is closed once its buffer is full, as kube-apiserver's watch
/// cache closes an unresponsive watcher, instead of the server keeping its backlog forever.
@Suite struct SlowWatcherTests {
    static func request(_ method: String, _ path: String, query: [String: String] = [:], body: JSONValue? = nil) -> APIRequest {
        APIRequest(method: method, path: path, query: query, contentType: body == nil ? nil : "application/json", accept: "application/json",
                   userAgent: "slow-watcher-test", body: body?.serialized() ?? [])
    }

    static func configMap(_ name: String) -> JSONValue {
        ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "namespace": "default"], "data": ["v": "1"]]
    }

    @Test func aWatcherThatFallsBehindIsClosedAndCanResume() async throws {
        var logger = Logger(label: "slow-watcher")
        logger.logLevel = .critical
        let server = try await LocalKubeServer.start(settings: ClusterSettings(watchBufferLimit: 5, simulatesWorkloads: false), logger: logger)
        do {
            try await fallBehindAndResume(try await server.addCluster(name: "slow"))
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    private func fallBehindAndResume(_ cluster: LocalKubeCluster) async throws {
        let list = await cluster.handle(Self.request("GET", "/api/v1/namespaces/default/configmaps"))
        guard case .bytes(let listBytes) = list.body, let rv = try JSONValue.parse(listBytes)["metadata"]["resourceVersion"].stringValue else {
            Issue.record("no list")
            return
        }
        let watch = await cluster.handle(Self.request("GET", "/api/v1/namespaces/default/configmaps", query: ["watch": "1", "resourceVersion": rv]))
        guard case .stream(let stream) = watch.body else {
            Issue.record("the watch did not stream")
            return
        }
        #expect(await cluster.openWatchCount == 1)
        // Nobody reads the watch while 8 changes happen: the 6th does not fit.
        for i in 0..<8 {
            let created = await cluster.handle(Self.request("POST", "/api/v1/namespaces/default/configmaps", body: Self.configMap("cm-\(i)")))
            #expect(created.status == 201)
        }
        #expect(await cluster.openWatchCount == 0, "the watcher whose buffer is full is closed")

        // The reader gets what was buffered, then the end of the watch (no error: it resumes).
        var names: [String] = []
        var last = rv
        for await line in stream {
            let event = try JSONValue.parse(line)
            #expect(event["type"] == "ADDED")
            names.append(event["object"]["metadata"]["name"].stringValue ?? "")
            last = event["object"]["metadata"]["resourceVersion"].stringValue ?? last
        }
        #expect(names == (0..<5).map { "cm-\($0)" })

        // Resuming from the last resourceVersion read delivers the changes the closed watch missed.
        let resumed = await cluster.handle(Self.request("GET", "/api/v1/namespaces/default/configmaps",
                                                        query: ["watch": "1", "resourceVersion": last, "timeoutSeconds": "1"]))
        guard case .stream(let rest) = resumed.body else {
            Issue.record("the resumed watch did not stream")
            return
        }
        var missed: [String] = []
        for await line in rest { missed.append(try JSONValue.parse(line)["object"]["metadata"]["name"].stringValue ?? "") }
        #expect(missed == ["cm-5", "cm-6", "cm-7"])
    }
}
