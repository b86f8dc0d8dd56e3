import Foundation
import Infrastructure
import Logging
import Yams

/// Where the real local OpenStack of `../shared/openstack-local/setup.sh` is, from the environment:
/// `OPENSTACK_LOCAL_STATE` (its state directory, holding `clouds.yaml` with clouds `osf-demo` and
/// `osf-admin`), or `OS_AUTH_URL` and the other `OS_*` variables of an openrc file (used for both).
public enum OpenStackLocal {
    public static let environment = ProcessInfo.processInfo.environment

    /// CI sets ADDON_MANAGER_REQUIRE_OPENSTACK=1: a missing OpenStack is then a failure, not a skip.
    public static let required = environment["ADDON_MANAGER_REQUIRE_OPENSTACK"] == "1"
    public static var configured: Bool { environment["OPENSTACK_LOCAL_STATE"] != nil || environment["OS_AUTH_URL"] != nil }
    public static var shouldRun: Bool { configured || required }
    /// Why the tests that need it are skipped (for `.enabled(if:_:)`).
    public static let skipMessage = """
        no local OpenStack: run `bash /work/shared/openstack-local/setup.sh` and set OPENSTACK_LOCAL_STATE \
        to its state directory (or source an openrc file); ADDON_MANAGER_REQUIRE_OPENSTACK=1 makes this a failure
        """

    public struct Missing: Error, CustomStringConvertible {
        public var description: String
    }

    /// The credentials of a cloud of clouds.yaml: `osf-demo` (project demo) or `osf-admin`.
    public static func credentials(cloud: String = "osf-demo") throws -> OpenStackCredentials {
        if let state = environment["OPENSTACK_LOCAL_STATE"] {
            return try OpenStackCredentials(cloud: sendable(try cloudEntry(cloud, state: state)))
        }
        if environment["OS_AUTH_URL"] != nil { return try OpenStackCredentials(environment: environment) }
        throw missingEverything
    }

    static let missingEverything = Missing(description: "ADDON_MANAGER_REQUIRE_OPENSTACK=1 but neither OPENSTACK_LOCAL_STATE nor OS_AUTH_URL is set (did `bash ../shared/openstack-local/setup.sh` fail?)")

    /// One cloud of the state directory's clouds.yaml.
    static func cloudEntry(_ cloud: String, state: String) throws -> [String: Any] {
        let path = URL(fileURLWithPath: state).appendingPathComponent("clouds.yaml").path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw Missing(description: "OPENSTACK_LOCAL_STATE=\(state) but \(path) is not readable: did setup.sh run?")
        }
        guard let document = try Yams.load(yaml: text) as? [String: Any], let clouds = document["clouds"] as? [String: Any],
              let entry = clouds[cloud] as? [String: Any] else {
            throw Missing(description: "\(path) has no cloud \(cloud)")
        }
        return entry
    }

    /// The cloud's credentials as the data of an OpenStack credentials Secret (the keys of
    /// `OpenStackCredentials(secretData:)`), values in plain text.
    public static func secretData(cloud: String = "osf-demo") throws -> [String: String] {
        if let state = environment["OPENSTACK_LOCAL_STATE"] {
            let entry = try cloudEntry(cloud, state: state)
            var data: [String: String] = [:]
            for (key, value) in entry["auth"] as? [String: Any] ?? [:] { data[key] = "\(value)" }
            if let region = entry["region_name"] { data["region_name"] = "\(region)" }
            return data
        }
        guard let url = environment["OS_AUTH_URL"] else { throw missingEverything }
        let keys = ["username": "OS_USERNAME", "password": "OS_PASSWORD", "project_name": "OS_PROJECT_NAME", "user_domain_name": "OS_USER_DOMAIN_NAME",
                    "project_domain_name": "OS_PROJECT_DOMAIN_NAME", "region_name": "OS_REGION_NAME",
                    "application_credential_id": "OS_APPLICATION_CREDENTIAL_ID", "application_credential_secret": "OS_APPLICATION_CREDENTIAL_SECRET"]
        var data = ["auth_url": url]
        for (key, variable) in keys { data[key] = environment[variable] }
        return data
    }

    /// Runs the `openstack` command line as a cloud of clouds.yaml (`osf-admin` may force a
    /// server's state); returns its standard output.
    @discardableResult
    public static func cli(_ arguments: [String], cloud: String = "osf-admin") throws -> String {
        guard let state = environment["OPENSTACK_LOCAL_STATE"] else { throw Missing(description: "the openstack CLI needs OPENSTACK_LOCAL_STATE (clouds.yaml)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openstack", "--os-cloud", cloud] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["OS_CLIENT_CONFIG_FILE"] = URL(fileURLWithPath: state).appendingPathComponent("clouds.yaml").path
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Missing(description: "openstack \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(String(decoding: err, as: UTF8.self))")
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func provider(cloud: String = "osf-demo", configuration: OpenStackProvider.Configuration = .init()) throws -> OpenStackProvider {
        OpenStackProvider(credentials: try credentials(cloud: cloud), configuration: configuration, logger: Logger(label: "openstack-test"))
    }

    private static func sendable(_ dictionary: [String: Any]) -> [String: any Sendable] {
        dictionary.mapValues { value -> any Sendable in
            if let nested = value as? [String: Any] { return sendable(nested) }
            return "\(value)"
        }
    }

    /// A name no other test run uses.
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Polls until `done` holds for the value, or throws after `timeout`.
    public static func poll<T: Sendable>(
        timeout: Duration = .seconds(90), every interval: Duration = .milliseconds(500), _ read: () async throws -> T,
        until done: (T) -> Bool
    ) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while true {
            let value = try await read()
            if done(value) { return value }
            guard ContinuousClock.now < deadline else { throw Missing(description: "still not there after \(timeout): \(value)") }
            try await Task.sleep(for: interval)
        }
    }
}
