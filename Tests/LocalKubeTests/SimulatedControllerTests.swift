import Foundation
import TestSupport
import KubernetesModel
import LocalKube
import Testing

@Suite struct SimulatedControllerTests {
    static func deployment(_ name: String, replicas: Int = 2, annotations: String = "") -> String {
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: \(name)
        \(annotations)
        spec:
          replicas: \(replicas)
          selector:
            matchLabels: {app: \(name)}
          template:
            metadata:
              labels: {app: \(name)}
            spec:
              containers:
              - name: main
                image: nginx:1.25
        """
    }

    private func condition(_ object: JSONValue, _ type: String) -> String? {
        object["status"]["conditions"].arrayValue?.first { $0["type"].stringValue == type }?["status"].stringValue
    }

    @Test func deploymentBecomesAvailableAndASpecChangeProgressesAgain() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("sim")
            let path = "/apis/apps/v1/namespaces/sim/deployments/web"
            _ = try await f.apply(path, Self.deployment("web"), manager: "m")
            let ready = try await f.eventually("the deployment to be available") { () -> JSONValue? in
                let d = try await f.get(path).body
                return d["status"]["observedGeneration"] == 1 && d["status"]["availableReplicas"] == 2 ? d : JSONValue?.none
            }
            #expect(ready["status"]["readyReplicas"] == 2)
            #expect(ready["status"]["updatedReplicas"] == 2)
            #expect(condition(ready, "Available") == "True")
            #expect(condition(ready, "Progressing") == "True")
            let managers = ready["metadata"]["managedFields"].arrayValue?.map { $0["manager"] } ?? []
            #expect(managers.contains("kube-controller-manager"))

            let scaled = try await f.apply(path, Self.deployment("web", replicas: 3), manager: "m")
            #expect(scaled.body["metadata"]["generation"] == 2)
            #expect(scaled.body["status"]["observedGeneration"] == 1)
            _ = try await f.eventually("the new generation to be available") { () -> Bool? in
                let d = try await f.get(path).body
                return d["status"]["observedGeneration"] == 2 && d["status"]["availableReplicas"] == 3 ? true : nil
            }
        }
    }

    @Test func failSwitchesKeepWorkloadsUnavailable() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("fail")
            let path = "/apis/apps/v1/namespaces/fail/deployments/bad"
            _ = try await f.apply(path, Self.deployment("bad", annotations: "  annotations:\n    localkube.addon-manager.io/simulate: fail"), manager: "m")
            let settled = try await f.eventually("the deployment to be observed") { () -> JSONValue? in
                let d = try await f.get(path).body
                return d["status"]["observedGeneration"] == 1 ? d : JSONValue?.none
            }
            #expect(condition(settled, "Available") == "False")
            #expect(settled["status"]["availableReplicas"].isNull)
            #expect(settled["status"]["unavailableReplicas"] == 2)

            await f.cluster.setWorkloadsFailing(true)
            let jobPath = "/apis/batch/v1/namespaces/fail/jobs/once"
            _ = try await f.apply(jobPath, """
                apiVersion: batch/v1
                kind: Job
                metadata:
                  name: once
                spec:
                  template:
                    spec:
                      restartPolicy: Never
                      containers:
                      - name: main
                        image: busybox:1.36
                """, manager: "m")
            let failed = try await f.eventually("the job to fail") { () -> JSONValue? in
                let j = try await f.get(jobPath).body
                return condition(j, "Failed") == "True" ? j : JSONValue?.none
            }
            #expect(failed["spec"]["selector"]["matchLabels"]["controller-uid"] == failed["metadata"]["uid"])
        }
    }

    @Test func otherKindsSettle() async throws {
        // A CronJob run at once, not at its schedule's next hour.
        try await LocalKubeFixture.with(settings: ClusterSettings(readinessDelay: .milliseconds(50), cronJobPeriod: .seconds(60))) { f in
            try await f.createNamespace("kinds")
            _ = try await f.apply("/apis/apps/v1/namespaces/kinds/daemonsets/agent", """
                apiVersion: apps/v1
                kind: DaemonSet
                metadata:
                  name: agent
                spec:
                  selector:
                    matchLabels: {app: agent}
                  template:
                    metadata:
                      labels: {app: agent}
                    spec:
                      containers:
                      - name: main
                        image: busybox:1.36
                """, manager: "m")
            let ds = try await f.eventually("the daemonset") { () -> JSONValue? in
                let d = try await f.get("/apis/apps/v1/namespaces/kinds/daemonsets/agent").body
                return d["status"]["observedGeneration"] == 1 ? d : JSONValue?.none
            }
            #expect(ds["status"]["desiredNumberScheduled"] == 3)
            #expect(ds["status"]["numberAvailable"] == 3)

            _ = try await f.apply("/apis/apps/v1/namespaces/kinds/statefulsets/db", """
                apiVersion: apps/v1
                kind: StatefulSet
                metadata:
                  name: db
                spec:
                  serviceName: db
                  selector:
                    matchLabels: {app: db}
                  template:
                    metadata:
                      labels: {app: db}
                    spec:
                      containers:
                      - name: main
                        image: postgres:16
                """, manager: "m")
            let sts = try await f.eventually("the statefulset") { () -> JSONValue? in
                let s = try await f.get("/apis/apps/v1/namespaces/kinds/statefulsets/db").body
                return s["status"]["readyReplicas"] == 1 ? s : JSONValue?.none
            }
            #expect(sts["status"]["currentRevision"] == sts["status"]["updateRevision"])

            _ = try await f.apply("/api/v1/namespaces/kinds/persistentvolumeclaims/data", """
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata:
                  name: data
                spec:
                  accessModes: [ReadWriteOnce]
                  resources:
                    requests:
                      storage: 1Gi
                """, manager: "m")
            _ = try await f.eventually("the claim to be bound") {
                try await f.get("/api/v1/namespaces/kinds/persistentvolumeclaims/data").body["status"]["phase"] == "Bound" ? true : nil
            }

            _ = try await f.apply("/api/v1/namespaces/kinds/services/lb", """
                apiVersion: v1
                kind: Service
                metadata:
                  name: lb
                spec:
                  type: LoadBalancer
                  selector: {app: web}
                  ports:
                  - port: 80
                """, manager: "m")
            let lb = try await f.eventually("the load balancer") { () -> JSONValue? in
                let s = try await f.get("/api/v1/namespaces/kinds/services/lb").body
                return s["status"]["loadBalancer"]["ingress"].isNull ? JSONValue?.none : s
            }
            #expect(lb["spec"]["clusterIP"].stringValue?.hasPrefix("10.96.") == true)
            #expect(lb["spec"]["ports"][0]["nodePort"].intValue != nil)

            _ = try await f.apply("/apis/batch/v1/namespaces/kinds/cronjobs/backup", Self.cronJob("backup", schedule: "0 * * * *"), manager: "m")
            _ = try await f.eventually("the cronjob to run") {
                try await f.get("/apis/batch/v1/namespaces/kinds/cronjobs/backup").body["status"]["lastSuccessfulTime"].isNull ? nil : true
            }
        }
    }

    /// Found profiling an idle 1000-cluster fleet: every CronJob "ran" every minute whatever its
    /// schedule (etcd-backup's is every 6 hours), so the manager handled 17 CronJob status
    /// changes a second that real clusters would not send. A CronJob now runs when its schedule
    /// says, as kube-controller-manager runs it.
    @Test func aCronJobRunsWhenItsScheduleSaysNotAtOnce() async throws {
        try await LocalKubeFixture.with { f in
            try await f.createNamespace("cron")
            for (name, schedule) in [("six-hourly", "0 */6 * * *"), ("every-second", "@every 1s")] {
                _ = try await f.apply("/apis/batch/v1/namespaces/cron/cronjobs/\(name)", Self.cronJob(name, schedule: schedule), manager: "m")
            }
            let first = try await f.eventually("the @every 1s CronJob to run") {
                try await f.get("/apis/batch/v1/namespaces/cron/cronjobs/every-second").body["status"]["lastScheduleTime"].stringValue
            }
            _ = try await f.eventually("it to run again") {
                let last = try await f.get("/apis/batch/v1/namespaces/cron/cronjobs/every-second").body["status"]["lastScheduleTime"].stringValue
                return last != first ? true : nil
            }
            let sixHourly = try await f.get("/apis/batch/v1/namespaces/cron/cronjobs/six-hourly").body
            let now = Date()
            let hour = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: now)
            // Unless this ran across a six-hour boundary, the six-hourly one has not run.
            if (hour.hour ?? 0) % 6 != 0 || (hour.minute ?? 0) > 1 {
                #expect(sixHourly["status"]["lastScheduleTime"].isNull, "\(sixHourly["status"])")
            }
        }
    }

    static func cronJob(_ name: String, schedule: String) -> String {
        """
        apiVersion: batch/v1
        kind: CronJob
        metadata:
          name: \(name)
        spec:
          schedule: "\(schedule)"
          jobTemplate:
            spec:
              template:
                spec:
                  restartPolicy: OnFailure
                  containers:
                  - name: main
                    image: busybox:1.36
        """
    }

    @Test func nodesCanBeAddedAndChanged() async throws {
        try await LocalKubeFixture.with { f in
            await f.cluster.addNode(name: "extra", labels: ["role": "worker"])
            try await f.cluster.setNodeCondition(node: "extra", type: "Ready", status: "False")
            let node = try await f.get("/api/v1/nodes/extra").body
            #expect(node["metadata"]["labels"]["role"] == "worker")
            let ready = node["status"]["conditions"].arrayValue?.first { $0["type"] == "Ready" }
            #expect(ready?["status"] == "False")
            let nodes = try await f.get("/api/v1/nodes")
            #expect(nodes.body["items"].arrayValue?.count == 4)
        }
    }
}
