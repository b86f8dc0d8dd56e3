/// Runs `body` in a task of its own and waits for it; cancelling the caller cancels it. A task
/// keeps the memory of its async frames at its high-water mark for as long as it lives; a
/// long-lived task (an informer's loop, a worker, a probe) that makes a deep call — an HTTP
/// request, an apply — would keep that call's frames for good. The child gets its own frame
/// memory, freed when it ends; only this function's own small frames are the caller's. (An
/// `async let` child allocates from its parent's and does not help; a task group's child would,
/// but the group's frames stay with the caller.) The child is an unstructured `Task`: it
/// inherits task-local values and priority, not a task executor preference (none of the callers
/// sets one).
package func inChildTask<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
    // A caller already cancelled has its body start cancelled, as a task group's child would
    // (cancelling the child once it runs would race with the body's first check).
    let cancelled = Task.isCancelled
    let child = Task {
        if cancelled { withUnsafeCurrentTask { $0?.cancel() } }
        return try await body()
    }
    return try await withTaskCancellationHandler {
        try await child.value
    } onCancel: {
        child.cancel()
    }
}

/// `inChildTask` for a body that cannot fail.
package func inChildTask<T: Sendable>(_ body: @escaping @Sendable () async -> T) async -> T {
    let cancelled = Task.isCancelled
    let child = Task {
        if cancelled { withUnsafeCurrentTask { $0?.cancel() } }
        return await body()
    }
    return await withTaskCancellationHandler {
        await child.value
    } onCancel: {
        child.cancel()
    }
}
