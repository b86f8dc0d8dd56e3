import KubernetesModel

/// A wave of a rollout (`catalog/rollout.yaml`, copied into each published channel): the
/// clusters it covers, how many are upgraded at once, how long they must stay healthy before
/// the next wave starts, how many may fail, and what happens when more do.
///
///     onFailure: rollback          # default for every wave (pause when absent)
///     waves:
///       - name: canary
///         selector: addons.addon-manager.io/wave=canary
///         concurrency: 2           # clusters upgrading at once
///         soak: 30m                # healthy this long before the next wave
///         maxFailures: 0           # or "10%" of the wave's clusters; more pauses the rollout
///         progressDeadline: 10m    # a cluster not Healthy on the new version by then failed
///         onFailure: pause         # pause | rollback
public struct RolloutWave: Sendable, Equatable {
    /// How many clusters of a wave may fail before the rollout stops.
    public enum FailureBudget: Sendable, Equatable, CustomStringConvertible {
        case count(Int)
        case percent(Int)

        /// The number of failures tolerated among `clusters`.
        public func tolerated(of clusters: Int) -> Int {
            switch self {
            case .count(let n): return n
            case .percent(let p): return clusters * p / 100
            }
        }

        public var description: String {
            switch self {
            case .count(let n): return "\(n)"
            case .percent(let p): return "\(p)%"
            }
        }

        var json: JSONValue {
            switch self {
            case .count(let n): return .int(Int64(n))
            case .percent: return .string(description)
            }
        }

        static func parse(_ value: JSONValue) -> FailureBudget? {
            if case .int(let n) = value, n >= 0 { return .count(Int(n)) }
            if let text = value.stringValue, text.hasSuffix("%"), let p = Int(text.dropLast()), (0...100).contains(p) { return .percent(p) }
            return nil
        }
    }

    /// What a rollout does when a wave has more failures than it tolerates.
    public enum FailureAction: String, Sendable, Equatable {
        /// Admit no more clusters; those updated stay updated until someone decides.
        case pause
        /// Return every cluster the rollout updated to the version it ran before.
        case rollback
    }

    public var name: String
    public var selector: LabelSelector
    public var concurrency: Int
    /// Seconds a wave must stay healthy before the next one starts.
    public var soakSeconds: Double
    public var maxFailures: FailureBudget = .count(0)
    /// Seconds an admitted cluster has to become Healthy on the new version.
    public var progressDeadlineSeconds: Double = 600
    public var onFailure: FailureAction = .pause

    public init(name: String, selector: LabelSelector, concurrency: Int, soakSeconds: Double, maxFailures: FailureBudget = .count(0),
                progressDeadlineSeconds: Double = 600, onFailure: FailureAction = .pause) {
        self.name = name
        self.selector = selector
        self.concurrency = concurrency
        self.soakSeconds = soakSeconds
        self.maxFailures = maxFailures
        self.progressDeadlineSeconds = progressDeadlineSeconds
        self.onFailure = onFailure
    }

    static func readAll(text: String, file: String, diagnostics: inout Diagnostics) -> [RolloutWave] {
        guard let root = YAMLNode.single(text: text, file: file, diagnostics: &diagnostics) else { return [] }
        guard var reader = FieldReader(root, what: "rollout", diagnostics: &diagnostics) else { return [] }
        var waves: [RolloutWave] = []
        var action: FailureAction?
        if let text = reader.string("onFailure", required: false, diagnostics: &diagnostics) {
            action = FailureAction(rawValue: text)
            if action == nil {
                diagnostics.add(.invalidField, file: file, line: root.child("onFailure")?.line, "onFailure: \"\(text)\" is neither pause nor rollback")
            }
        }
        if let wavesNode = reader.required("waves", diagnostics: &diagnostics) {
            waves = read(waves: wavesNode, file: file, defaultAction: action ?? .pause, diagnostics: &diagnostics)
        }
        reader.finish(diagnostics: &diagnostics)
        return waves
    }

    /// The wave as written in a channel (durations in seconds).
    var json: JSONValue {
        func duration(_ seconds: Double) -> JSONValue {
            .string(seconds.rounded() == seconds ? "\(Int(seconds))s" : "\(seconds)s")
        }
        return ["name": .string(name), "selector": .string(selector.description), "concurrency": .int(Int64(concurrency)),
                "soak": duration(soakSeconds), "maxFailures": maxFailures.json, "progressDeadline": duration(progressDeadlineSeconds),
                "onFailure": .string(onFailure.rawValue)]
    }

    static func read(waves wavesNode: YAMLNode, file: String, defaultAction: FailureAction = .pause, diagnostics: inout Diagnostics) -> [RolloutWave] {
        var waves: [RolloutWave] = []
        for element in wavesNode.elements {
            guard var w = FieldReader(element, what: "wave", diagnostics: &diagnostics) else { continue }
            let name = w.string("name", required: true, diagnostics: &diagnostics)
            let selectorText = w.string("selector", required: true, diagnostics: &diagnostics)
            let concurrency = w.int("concurrency", diagnostics: &diagnostics) ?? 1
            let soakText = w.string("soak", required: false, diagnostics: &diagnostics) ?? "0s"
            let deadlineText = w.string("progressDeadline", required: false, diagnostics: &diagnostics) ?? "10m"
            let budgetNode = w.optional("maxFailures")
            let actionText = w.string("onFailure", required: false, diagnostics: &diagnostics)
            w.finish(diagnostics: &diagnostics)
            let label = "wave \(name ?? "?")"
            var selector: LabelSelector?
            if let selectorText {
                do {
                    selector = try LabelSelector(parsing: selectorText)
                } catch {
                    diagnostics.add(.invalidField, file: file, line: element.child("selector")?.line, "\(label): \(error)")
                }
            }
            let soak = GoDuration.seconds(soakText)
            if soak == nil {
                diagnostics.add(.invalidField, file: file, line: element.child("soak")?.line, "\(label): soak \"\(soakText)\" is not a duration (e.g. 30m)")
            }
            let deadline = GoDuration.seconds(deadlineText).flatMap { $0 > 0 ? $0 : nil }
            if deadline == nil {
                diagnostics.add(.invalidField, file: file, line: element.child("progressDeadline")?.line,
                                "\(label): progressDeadline \"\(deadlineText)\" is not a positive duration (e.g. 10m)")
            }
            var budget = FailureBudget.count(0)
            if let budgetNode {
                if let parsed = FailureBudget.parse(budgetNode.value) {
                    budget = parsed
                } else {
                    diagnostics.add(.invalidField, file: file, line: budgetNode.line,
                                    "\(label): maxFailures \(budgetNode.value.jsonString()) is neither a count (0 or more) nor a percentage such as \"10%\"")
                }
            }
            var action = defaultAction
            if let actionText {
                if let parsed = FailureAction(rawValue: actionText) {
                    action = parsed
                } else {
                    diagnostics.add(.invalidField, file: file, line: element.child("onFailure")?.line, "\(label): onFailure \"\(actionText)\" is neither pause nor rollback")
                }
            }
            if concurrency < 1 {
                diagnostics.add(.invalidField, file: file, line: element.child("concurrency")?.line, "\(label): concurrency must be at least 1")
            }
            if let name, let selector, let soak, let deadline {
                if waves.contains(where: { $0.name == name }) {
                    diagnostics.add(.invalidField, file: file, line: element.line, "wave \"\(name)\" is declared twice")
                }
                waves.append(RolloutWave(name: name, selector: selector, concurrency: concurrency, soakSeconds: soak, maxFailures: budget,
                                         progressDeadlineSeconds: deadline, onFailure: action))
            }
        }
        return waves
    }
}
