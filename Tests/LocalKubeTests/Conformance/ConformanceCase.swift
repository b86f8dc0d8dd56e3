import Foundation
import KubernetesModel

/// One recorded exchange sequence of `kube-conformance/cases` (format in the fixture's README.md).
struct ConformanceCase: Sendable {
    enum Step: Sendable {
        case exchange(Exchange)
        /// GET `path` until its `status.conditions` has `condition` with status "True".
        case waitFor(path: String, condition: String)
        case pause(seconds: Double)
    }

    struct Exchange: Sendable {
        var method: String
        var path: String
        var query: [String: String]
        var contentType: String?
        /// A string body is sent byte for byte; any other JSON value as JSON.
        var body: JSONValue?
        var expectedStatus: Int
        var expectedContentType: String?
        var expectedBody: JSONValue?
        /// For a watch: every event but BOOKMARKs, in order.
        var expectedEvents: [JSONValue]?
        /// NAME → dotted path read from the (raw) response body.
        var save: [String: String]
        var note: String?

        var isWatch: Bool { query["watch"] == "1" || query["watch"] == "true" }
    }

    var id: String
    var about: String
    var namespace: String
    var steps: [Step]

    init(json: JSONValue, file: String) throws(ConformanceCaseError) {
        guard let id = json["case"].stringValue, let steps = json["steps"].arrayValue else {
            throw ConformanceCaseError(file: file, step: nil, "no \"case\" or \"steps\"")
        }
        self.id = id
        self.about = json["about"].stringValue ?? ""
        self.namespace = json["namespace"].stringValue ?? ""
        var parsed: [Step] = []
        for (index, step) in steps.enumerated() {
            parsed.append(try Self.step(step, file: file, index: index + 1))
        }
        self.steps = parsed
    }

    private static func step(_ step: JSONValue, file: String, index: Int) throws(ConformanceCaseError) -> Step {
        if let wait = step["waitFor"].objectValue {
            guard let path = wait["path"]?.stringValue, let condition = wait["condition"]?.stringValue else {
                throw ConformanceCaseError(file: file, step: index, "waitFor needs path and condition")
            }
            return .waitFor(path: path, condition: condition)
        }
        if let seconds = step["pauseSeconds"].doubleValue { return .pause(seconds: seconds) }
        guard let request = step["request"].objectValue, let response = step["response"].objectValue,
              let method = request["method"]?.stringValue, let path = request["path"]?.stringValue,
              let status = response["status"]?.intValue else {
            throw ConformanceCaseError(file: file, step: index, "neither an exchange, a waitFor nor a pauseSeconds step")
        }
        var query: [String: String] = [:]
        for (key, value) in request["query"]?.objectValue ?? [:] {
            query[key] = value.stringValue ?? value.jsonString()
        }
        var save: [String: String] = [:]
        for (key, value) in step["save"].objectValue ?? [:] {
            guard let path = value.stringValue else { throw ConformanceCaseError(file: file, step: index, "save \(key) is not a path") }
            save[key] = path
        }
        return .exchange(Exchange(
            method: method, path: path, query: query,
            contentType: request["contentType"]?.stringValue, body: request["body"],
            expectedStatus: Int(status), expectedContentType: response["contentType"]?.stringValue,
            expectedBody: response["body"], expectedEvents: response["events"]?.arrayValue,
            save: save, note: step["note"].stringValue))
    }
}

struct ConformanceCaseError: Error, CustomStringConvertible {
    var file: String
    var step: Int?
    var reason: String
    init(file: String, step: Int?, _ reason: String) {
        self.file = file
        self.step = step
        self.reason = reason
    }
    var description: String { "\(file)\(step.map { " step \($0)" } ?? ""): \(reason)" }
}

/// The fixture copy of `kube-conformance` inside the test bundle.
enum ConformanceFixtures {
    static var directory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures/kube-conformance")
    }

    static var casesDirectory: URL { directory.appendingPathComponent("cases") }

    /// `/work/shared/kube-conformance` seen from this source file: `<checkout>/../shared/kube-conformance`.
    static var sharedDirectory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/kube-conformance")
    }

    /// Case ids ("ssa/conflict-one-field"), sorted: the file paths under `cases/` without `.json`.
    static let caseIDs: [String] = {
        let root = casesDirectory
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        var ids: [String] = []
        for case let url as URL in enumerator where url.pathExtension == "json" {
            let relative = url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1)
            ids.append(String(relative.dropLast(".json".count)))
        }
        return ids.sorted()
    }()

    static func load(_ id: String) throws -> ConformanceCase {
        let file = casesDirectory.appendingPathComponent(id + ".json")
        let data = try Data(contentsOf: file)
        return try ConformanceCase(json: try JSONValue.parse(Array(data)), file: "cases/\(id).json")
    }
}
