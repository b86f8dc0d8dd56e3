import Foundation
import KubernetesClient

/// The clocks leader election reads. Every duration that decides ownership (how old our last
/// renewal is, how long another member's Lease has stayed unchanged) is measured on `now`, this
/// process's monotonic clock, never by comparing another replica's timestamps with ours. The
/// wall clock (`wallTime`) is only written into the Lease (`acquireTime`, `renewTime`) for
/// people to read. Tests inject skewed clocks.
public struct LeaseClock: Sendable {
    public var now: @Sendable () -> ContinuousClock.Instant
    public var wallTime: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> ContinuousClock.Instant, wallTime: @escaping @Sendable () -> Date) {
        self.now = now
        self.wallTime = wallTime
    }

    public static let system = LeaseClock(now: { ContinuousClock.now }, wallTime: { Date() })

    /// A clock whose wall time is off by `offset` and whose monotonic time runs `rate` times as
    /// fast as the real one (from the moment it is made): a replica on a badly kept host.
    public static func skewed(offset: Duration, rate: Double = 1) -> LeaseClock {
        let origin = ContinuousClock.now
        let seconds = offset.seconds
        return LeaseClock(now: { origin + origin.duration(to: .now) * rate },
                          wallTime: { Date().addingTimeInterval(seconds) })
    }
}
