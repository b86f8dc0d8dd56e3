import Synchronization
import Testing
@testable import ControllerRuntime

/// `inChildTask`: the body's result and error come back as they are; cancelling the caller
/// cancels the body, and the caller returns only once the body has ended (nothing keeps running
/// behind a caller that has gone on).
struct ChildTaskTests {
    struct Refused: Error, Equatable {}

    @Test func returnsWhatTheBodyReturnsAndThrowsWhatItThrows() async throws {
        #expect(try await inChildTask { () async throws -> Int in 42 } == 42)
        await #expect(throws: Refused.self) { try await inChildTask { () async throws -> Int in throw Refused() } }
    }

    @Test(.timeLimit(.minutes(1))) func cancellingTheCallerCancelsTheBodyAndWaitsForItsEnd() async throws {
        let ended = Mutex(false)
        let started = AsyncStream<Void>.makeStream()
        let caller = Task {
            try await inChildTask {
                started.continuation.yield()
                defer { ended.withLock { $0 = true } }
                // Returns only when cancelled (the sleep throws).
                try await Task.sleep(for: .seconds(3600))
            }
        }
        var iterator = started.stream.makeAsyncIterator()
        await iterator.next()
        caller.cancel()
        await #expect(throws: CancellationError.self) { try await caller.value }
        #expect(ended.withLock { $0 })
    }

    @Test func aCallerAlreadyCancelledStartsTheBodyCancelled() async throws {
        // Many times: a body cancelled only after it started would see it late in some of them
        // (rarely: the caller cancels it right after creating it).
        for _ in 0..<200 {
            let caller = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await inChildTask { () async throws -> Bool in Task.isCancelled }
            }
            #expect(try await caller.value)
        }
    }

    /// What `Controller.process` relies on: a CancellationError of the body's own (a request's
    /// deadline) reaches a caller that is not cancelled as it is, and the caller can tell.
    @Test func theBodysOwnCancellationErrorReachesACallerThatIsNotCancelled() async throws {
        let caller = Task { () -> Bool in
            do {
                _ = try await inChildTask { () async throws -> Int in throw CancellationError() }
                return false
            } catch is CancellationError {
                return !Task.isCancelled
            }
        }
        #expect(try await caller.value)
    }

    /// The variant for a body that cannot fail: its result comes back; cancelling the caller
    /// cancels it, and the caller returns only once it has ended.
    @Test(.timeLimit(.minutes(1))) func aBodyThatCannotFailIsCancelledWithItsCallerAndWaitedFor() async throws {
        #expect(await inChildTask { 7 } == 7)
        let ended = Mutex(false)
        let started = AsyncStream<Void>.makeStream()
        let caller = Task { () -> Bool in
            await inChildTask { () async -> Bool in
                started.continuation.yield()
                defer { ended.withLock { $0 = true } }
                try? await Task.sleep(for: .seconds(3600))
                return Task.isCancelled
            }
        }
        var iterator = started.stream.makeAsyncIterator()
        await iterator.next()
        caller.cancel()
        #expect(await caller.value, "the body saw its caller's cancellation")
        #expect(ended.withLock { $0 })
    }
}
