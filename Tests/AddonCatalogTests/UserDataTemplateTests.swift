import AddonCatalog
import KubernetesModel
import Testing

@Suite struct UserDataTemplateTests {
    static let cluster: JSONValue = ["name": "c1", "namespace": "team-a"]
    static let pool: JSONValue = ["name": "workers", "labels": ["tier": "web"], "nodeLabels": "tier=web"]
    static let machine: JSONValue = ["name": "c1-workers-abcde", "serverName": "team-a-c1-workers-abcde", "availabilityZone": ""]

    func render(_ text: String, secrets: [String: [String: String]] = [:]) throws(CatalogErrors) -> String {
        try UserDataTemplate(source: "ConfigMap team-a/boot key userData", text: text)
            .render(cluster: Self.cluster, pool: Self.pool, machine: Self.machine, secrets: secrets)
    }

    func error(_ text: String, secrets: [String: [String: String]] = [:]) -> String? {
        do { _ = try render(text, secrets: secrets); return nil } catch { return error.description }
    }

    @Test func rendersTheMachinesContextWithoutEscaping() throws {
        let text = """
        #cloud-config
        hostname: {{ machine.serverName }}
        {% for key, value in pool.labels %}
        label: {{ key }}={{ value }}
        {% endfor %}
        runcmd:
          - kubeadm join --token '{{ secrets.join.token }}' --node-labels "{{ pool.nodeLabels }}" {% if machine.availabilityZone %}--zone {{ machine.availabilityZone }}{% endif %}

        """
        #expect(try render(text, secrets: ["join": ["token": "abc&def<ghi>"]]) == """
        #cloud-config
        hostname: team-a-c1-workers-abcde
        label: tier=web
        runcmd:
          - kubeadm join --token 'abc&def<ghi>' --node-labels "tier=web" 

        """)
    }

    @Test func problemsNameTheLineAndNeverASecretValue() {
        #expect(error("a: 1\nb: {{ values.x }}\n") == "ConfigMap team-a/boot key userData:2: undefined variable values (the template context has cluster, machine, pool, secrets)")
        #expect(error("{% include \"x\" %}") == #"ConfigMap team-a/boot key userData:1: the tag "include" is not supported in templates (use if, for, filter)"#)
        #expect(error("x: {{ secrets.join.missing }}", secrets: ["join": ["token": "t0ps3cret-value"]])?.contains("secrets.join.missing") == true)
        // An error whose text would quote a secret value redacts it.
        let leak = error("x: {{ machine.availabilityZone|required:secrets.join.token }}", secrets: ["join": ["token": "t0ps3cret-value"]])
        #expect(leak == "ConfigMap team-a/boot key userData:1: required: [redacted]")
    }

    @Test func checkReportsWithoutRendering() {
        #expect(UserDataTemplate(source: "t", text: "{{ cluster.name }}").check().isEmpty)
        #expect(UserDataTemplate(source: "t", text: "{% if %}").check().count == 1)
    }
}
