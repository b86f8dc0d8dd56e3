import AddonCatalog
import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// What `run` and `dev` both do first: large blocks on pages of their own (`LargeBlockPages`),
/// a logger at the asked level, the Prometheus registry behind swift-metrics, and the catalog
/// when a directory is given (every problem printed as `file:line: message`).
enum ManagerStartup {
    /// A service group that drains on SIGTERM/SIGINT, within bounds: a graceful shutdown that
    /// takes over 25 s is escalated to cancellation, and a cancellation that takes over 5 s ends
    /// the process with a message naming it (swift-service-lifecycle's `fatalError`) — inside
    /// Kubernetes' default 30 s grace, and never a replica that outlives its SIGTERM (a chaos
    /// run found one idle for minutes after it, every task waiting).
    static func serviceGroup(_ services: [ServiceGroupConfiguration.ServiceConfiguration], logger: Logger) -> ServiceGroup {
        var configuration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(25)
        configuration.maximumCancellationDuration = .seconds(5)
        return ServiceGroup(configuration: configuration)
    }

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
        let largeBlocks = LargeBlockPages.apply(environment: ProcessInfo.processInfo.environment)
        var logger = Logger(label: "addon-manager")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? defaultLevel
        logger.debug("large blocks", metadata: ["pagesOfTheirOwn": "\(largeBlocks)"])
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
