/// Runs `body` in a child task of its own and waits for it. A task keeps the memory of its
/// async frames at its high-water mark for as long as it lives; a long-lived task (an
/// informer's loop, a worker) that makes a deep call — an HTTP request, an apply — would keep
/// that call's frames for good. A task-group child gets its own frame memory, freed when it
/// ends. (An `async let` child allocates from its parent's and does not help.)
func inChildTask<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask(operation: body)
        return try await group.next()!
    }
}
