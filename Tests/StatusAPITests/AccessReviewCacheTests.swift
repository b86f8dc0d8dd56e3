import KubernetesClient
import KubernetesModel
import Logging
import Synchronization
import Testing
@testable import StatusAPI

/// Reviews are asked once per key and lifetime, however many callers wait for the answer
/// (found by the status API benchmark: 200 readers whose answer had just expired sent 200
/// reviews at once, 1196 SubjectAccessReviews in 30 s).
@Suite struct AccessReviewCacheTests {
    /// A management plane that answers every review after a pause, and counts them.
    final class SlowReviews: ObjectWriter, Sendable {
        let counts = Mutex([String: Int]())
        func count(_ kind: String) -> Int { counts.withLock { $0[kind] ?? 0 } }

        func create(_ object: KubeObject, options: WriteOptions) async throws -> KubeObject {
            counts.withLock { $0[object.kind, default: 0] += 1 }
            try await Task.sleep(for: .milliseconds(100))
            var answer = object
            if object.kind == "TokenReview" {
                answer["status"] = object["spec"]["token"] == "good"
                    ? ["authenticated": true, "user": ["username": "pat", "groups": ["team-p", "system:authenticated"]]] : ["user": [:]]
            } else {
                answer["status"] = ["allowed": .bool(object["spec"]["resourceAttributes"]["namespace"] == "p")]
            }
            return answer
        }
        func update(_ object: KubeObject, options: WriteOptions) async throws -> KubeObject { object }
        func apply(_ object: KubeObject, options: ApplyOptions) async throws -> KubeObject { object }
        func delete(_ kind: GroupVersionKind, name: String, namespace: String?, options: DeleteOptions) async throws -> DeleteOutcome { .deleted(uid: nil) }
    }

    @Test func concurrentCallersShareOneReview() async throws {
        let plane = SlowReviews()
        let reviewer = ManagementAccessReviewer(client: plane, logger: Logger(label: "test"))
        let callers = try await withThrowingTaskGroup(of: Caller?.self) { group in
            for _ in 0..<50 { group.addTask { try await reviewer.authenticate(token: "good") } }
            return try await group.reduce(into: [Caller?]()) { $0.append($1) }
        }
        #expect(callers.count == 50 && callers.allSatisfy { $0?.username == "pat" })
        #expect(plane.count("TokenReview") == 1)
        let caller = try #require(callers.first ?? nil)
        let decisions = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<50 { group.addTask { try await reviewer.mayView(project: i % 2 == 0 ? "p" : "q", caller: caller) } }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(decisions.filter { $0 }.count == 25)
        #expect(plane.count("SubjectAccessReview") == 2, "one review per project")
        // Cached: no more reviews.
        _ = try await reviewer.mayView(project: "p", caller: caller)
        #expect(try await reviewer.authenticate(token: "bad") == nil)
        #expect(plane.count("SubjectAccessReview") == 2 && plane.count("TokenReview") == 2)
    }

    @Test func anExpiredAnswerIsAskedAgain() async throws {
        let plane = SlowReviews()
        let reviewer = ManagementAccessReviewer(client: plane, ttl: .milliseconds(200), deniedTTL: .milliseconds(200), logger: Logger(label: "test"))
        _ = try await reviewer.authenticate(token: "good")
        try await Task.sleep(for: .milliseconds(300))
        _ = try await reviewer.authenticate(token: "good")
        #expect(plane.count("TokenReview") == 2)
    }
}
