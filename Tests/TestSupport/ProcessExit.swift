import Foundation

extension Process {
    /// Waits until the process has ended without holding a thread: `waitUntilExit()` blocks one
    /// of the cooperative pool's threads — two on a 2-core machine — and while a child takes its
    /// time to exit (a graceful shutdown), every other test of the run waits with it.
    public func exited() async {
        while isRunning {
            do {
                try await Task.sleep(for: .milliseconds(20))
            } catch {
                // Cancelled: the child is not left running behind the test.
                terminate()
                break
            }
        }
        waitUntilExit()  // ended: returns at once, and the termination status is read
    }
}
