import TestSupport
import KubernetesModel
import LocalKube
import Testing

/// The v1.24 defaults of HorizontalPodAutoscaler (autoscaling/v2) and NetworkPolicy.
@Suite struct PolicyDefaultsTests {
    @Test func horizontalPodAutoscalerGetsMinReplicasCPUTargetAndZeroStatus() async throws {
        try await LocalKubeFixture.with { fixture in
            try await fixture.createNamespace("hpa")
            let answer = try await fixture.apply("/apis/autoscaling/v2/namespaces/hpa/horizontalpodautoscalers/web", """
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata: {name: web}
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
                  maxReplicas: 3
                  behavior:
                    scaleDown: {stabilizationWindowSeconds: 60}
                """, manager: "test")
            #expect(answer.status == 201)
            #expect(answer.body["spec"]["minReplicas"] == 1)
            #expect(answer.body["spec"]["metrics"] == [["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": 80]]]])
            #expect(answer.body["spec"]["behavior"]["scaleDown"] == ["stabilizationWindowSeconds": 60, "selectPolicy": "Max", "policies": [["type": "Percent", "value": 100, "periodSeconds": 15]]])
            #expect(answer.body["spec"]["behavior"]["scaleUp"]["policies"][0] == ["type": "Pods", "value": 4, "periodSeconds": 15])
            #expect(answer.body["status"] == ["currentMetrics": nil, "desiredReplicas": 0])
        }
    }

    @Test func networkPolicyGetsPolicyTypesAndPortProtocols() async throws {
        try await LocalKubeFixture.with { fixture in
            try await fixture.createNamespace("np")
            let answer = try await fixture.apply("/apis/networking.k8s.io/v1/namespaces/np/networkpolicies/allow", """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: allow}
                spec:
                  podSelector: {}
                  egress:
                  - ports: [{port: 53}]
                """, manager: "test")
            #expect(answer.status == 201)
            #expect(answer.body["spec"]["policyTypes"] == ["Ingress", "Egress"])
            #expect(answer.body["spec"]["egress"][0]["ports"][0]["protocol"] == "TCP")
        }
    }
}
