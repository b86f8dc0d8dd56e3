import NIOCore
import Synchronization

/// Project-scoped answers as rendered, with the version of the store they were rendered from
/// (see `StatusAPI.rendered`). The project's access is checked before this is read; the answer
/// itself holds nothing caller-specific. Bounded: past `limit` entries it starts over.
final class RenderedAnswers: Sendable {
    private struct Answer {
        var version: String
        var bytes: ByteBuffer
    }

    private let answers = Mutex([String: Answer]())
    private let limit: Int

    init(limit: Int = 4096) { self.limit = limit }

    func get(_ key: String, version: String) -> ByteBuffer? {
        answers.withLock { $0[key] }.flatMap { $0.version == version ? $0.bytes : nil }
    }

    func set(_ key: String, version: String, bytes: ByteBuffer) {
        answers.withLock { answers in
            if answers.count >= limit { answers.removeAll(keepingCapacity: true) }
            answers[key] = Answer(version: version, bytes: bytes)
        }
    }
}
