/// One problem found in the catalog, an example cluster or a rendering: which file, which line
/// (when known) and what is wrong, worded for the person who has to fix it.
public struct CatalogError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The class of problem, for programs (tests, the controller's condition reasons).
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case unreadable, invalidYAML, unknownField, missingField, invalidField, invalidVersion, invalidRange
            case duplicateVersion, unknownVersion, unknownAddon, unknownDependency, dependencyCycle
            case templateSyntax, undefinedVariable, templateFailure, invalidObject, scopeMismatch, duplicateObject
            case schemaViolation, unsupportedKubernetesVersion, secretUnavailable, secretLeak, healthRuleTarget
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        public var description: String { base.rawValue }

        /// A file could not be read.
        public static let unreadable = Kind(.unreadable)
        /// A file is not valid YAML.
        public static let invalidYAML = Kind(.invalidYAML)
        /// A field the format does not know (often a typo).
        public static let unknownField = Kind(.unknownField)
        public static let missingField = Kind(.missingField)
        /// A field with a value of the wrong type or form.
        public static let invalidField = Kind(.invalidField)
        public static let invalidVersion = Kind(.invalidVersion)
        public static let invalidRange = Kind(.invalidRange)
        /// Two definitions of the same addon version.
        public static let duplicateVersion = Kind(.duplicateVersion)
        /// A channel or cluster naming a version that does not exist.
        public static let unknownVersion = Kind(.unknownVersion)
        public static let unknownAddon = Kind(.unknownAddon)
        public static let unknownDependency = Kind(.unknownDependency)
        public static let dependencyCycle = Kind(.dependencyCycle)
        public static let templateSyntax = Kind(.templateSyntax)
        /// A template referring to a variable the context does not have.
        public static let undefinedVariable = Kind(.undefinedVariable)
        /// A filter failing (`required`, a bad argument, ...).
        public static let templateFailure = Kind(.templateFailure)
        /// A rendered document that is not YAML or lacks apiVersion, kind or metadata.name.
        public static let invalidObject = Kind(.invalidObject)
        /// A namespace on a cluster-scoped object, or none on a namespaced one.
        public static let scopeMismatch = Kind(.scopeMismatch)
        /// Two rendered objects with the same identity.
        public static let duplicateObject = Kind(.duplicateObject)
        /// Values (defaults, channel, cluster) violating the addon's values schema.
        public static let schemaViolation = Kind(.schemaViolation)
        public static let unsupportedKubernetesVersion = Kind(.unsupportedKubernetesVersion)
        public static let secretUnavailable = Kind(.secretUnavailable)
        /// Secret material outside a Secret object.
        public static let secretLeak = Kind(.secretLeak)
        /// A health rule naming an object the addon does not render.
        public static let healthRuleTarget = Kind(.healthRuleTarget)
    }

    public var kind: Kind
    /// The file, as given to the loader (relative to the catalog directory when loaded from one).
    public var file: String
    /// 1-based line, when known.
    public var line: Int?
    public var message: String

    public init(_ kind: Kind, file: String, line: Int?, _ message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.message = message
    }

    /// `file:line: message`, the form editors and CI logs understand.
    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)" 
    }
}

/// Every problem found by one operation (loading, linting, rendering), in file and line order.
public struct CatalogErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [CatalogError]

    public init(_ errors: [CatalogError]) {
        self.errors = errors.sorted { ($0.file, $0.line ?? 0, $0.message) < ($1.file, $1.line ?? 0, $1.message) }
    }

    /// One problem per line, `file:line: message`.
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// Collects problems while reading, so that one pass reports all of them.
struct Diagnostics: Sendable {
    private(set) var errors: [CatalogError] = []

    var isEmpty: Bool { errors.isEmpty }

    mutating func add(_ kind: CatalogError.Kind, file: String, line: Int?, _ message: String) {
        let error = CatalogError(kind, file: file, line: line, message)
        if !errors.contains(error) { errors.append(error) }
    }

    mutating func add(_ error: CatalogError) {
        if !errors.contains(error) { errors.append(error) }
    }

    mutating func add(contentsOf other: [CatalogError]) {
        for error in other { add(error) }
    }
}
