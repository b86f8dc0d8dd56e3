import AddonCatalog
import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus

/// What `run` and `dev` both do first: a logger at the asked level, the Prometheus registry
/// behind swift-metrics, and the catalog when a directory is given (every problem printed as
/// `file:line: message`).
enum ManagerStartup {
    struct Started {
        var logger: Logger
        var registry: PrometheusCollectorRegistry
        var catalog: Catalog?
    }

    /// The User-Agent of this replica's clients: names the replica (and which client) to the
    /// API servers it talks to, so their audit logs tell the replicas apart.
    static func userAgent(identity: String, role: String) -> String {
        let clean = String(identity.map { $0.isASCII && !$0.isNewline && $0 != "(" && $0 != ")" ? $0 : "-" })
        return "addon-manager/0.1 (\(clean); \(role))"
    }

    static func start(logLevel: String, defaultLevel: Logger.Level, catalogDirectory: String?) throws -> Started {
        var logger = Logger(label: "addon-manager")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? defaultLevel
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        do {
            return Started(logger: logger, registry: registry, catalog: try catalogDirectory.map { directory throws(CatalogErrors) in try Catalog.load(directory: directory) })
        } catch {
            FileHandle.standardError.write(Data((error.errors.map(\.description).joined(separator: "\n") + "\n").utf8))
            throw ExitCode.failure
        }
    }
}
