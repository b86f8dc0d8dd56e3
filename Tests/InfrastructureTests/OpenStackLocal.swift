import Foundation
import Infrastructure
import Logging
import Testing
import Yams

/// Where the real local OpenStack of `../shared/openstack-local/setup.sh` is, from the environment:
/// `OPENSTACK_LOCAL_STATE` (its state directory, holding `clouds.yaml` with clouds `osf-demo` and
/// `osf-admin`), or `OS_AUTH_URL` and the other `OS_*` variables of an openrc file (used for both).
enum OpenStackLocal {
    static let environment = ProcessInfo.processInfo.environment

    /// CI sets ADDON_MANAGER_REQUIRE_OPENSTACK=1: a missing OpenStack is then a failure, not a skip.
    static let required = environment["ADDON_MANAGER_REQUIRE_OPENSTACK"] == "1"
    static var configured: Bool { environment["OPENSTACK_LOCAL_STATE"] != nil || environment["OS_AUTH_URL"] != nil }
    static var shouldRun: Bool { configured || required }
    static let skipMessage: Comment = """
        no local OpenStack: run `bash /work/shared/openstack-local/setup.sh` and set OPENSTACK_LOCAL_STATE \
        to its state directory (or source an openrc file); ADDON_MANAGER_REQUIRE_OPENSTACK=1 makes this a failure
        """

    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    /// The credentials of a cloud of clouds.yaml: `osf-demo` (project demo) or `osf-admin`.
    static func credentials(cloud: String = "osf-demo") throws -> OpenStackCredentials {
        if let state = environment["OPENSTACK_LOCAL_STATE"] {
            let path = URL(fileURLWithPath: state).appendingPathComponent("clouds.yaml").path
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw Missing(description: "OPENSTACK_LOCAL_STATE=\(state) but \(path) is not readable: did setup.sh run?")
            }
            guard let document = try Yams.load(yaml: text) as? [String: Any], let clouds = document["clouds"] as? [String: Any],
                  let entry = clouds[cloud] as? [String: Any] else {
                throw Missing(description: "\(path) has no cloud \(cloud)")
            }
            return try OpenStackCredentials(cloud: sendable(entry))
        }
        if environment["OS_AUTH_URL"] != nil { return try OpenStackCredentials(environment: environment) }
        throw Missing(description: "ADDON_MANAGER_REQUIRE_OPENSTACK=1 but neither OPENSTACK_LOCAL_STATE nor OS_AUTH_URL is set (did `bash ../shared/openstack-local/setup.sh` fail?)")
    }

    static func provider(cloud: String = "osf-demo", configuration: OpenStackProvider.Configuration = .init()) throws -> OpenStackProvider {
        OpenStackProvider(credentials: try credentials(cloud: cloud), configuration: configuration, logger: Logger(label: "openstack-test"))
    }

    private static func sendable(_ dictionary: [String: Any]) -> [String: any Sendable] {
        dictionary.mapValues { value -> any Sendable in
            if let nested = value as? [String: Any] { return sendable(nested) }
            return "\(value)"
        }
    }

    /// A name no other test run uses.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Polls until `done` holds for the value, or throws after `timeout`.
    static func poll<T: Sendable>(
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
