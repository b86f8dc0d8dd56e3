import Foundation
import KubernetesModel
import Stencil

/// Renders manifest templates with Stencil (Django/Jinja-like syntax: `{{ values.x|quote }}`,
/// `{% if %}`, `{% for k, v in values.labels %}`), made safe for YAML:
///
/// - an undefined variable is an error naming it, with the template file and line: roots are
///   checked before rendering (against `cluster`, `values`, `secrets`, `addon` and the loop
///   variables in scope), members while rendering (objects are wrapped so a missing key throws),
///   which covers `if` conditions, `for` loops and filter arguments alike;
/// - nothing is HTML-escaped; filters quote for YAML (see `TemplateFilters`);
/// - block tags on a line of their own leave no blank line (trim blocks);
/// - only the tags that make sense in a manifest are accepted (no include/extends/now).
///
/// Line numbers are computed here: Stencil's own are wrong for repeated lines.
struct TemplateEngine {
    static let undefinedPrefix = "undefined variable"
    static let roots: Set<String> = ["cluster", "values", "secrets", "secretData", "addon"]
    static let allowedTags: Set<String> = ["if", "elif", "else", "endif", "ifnot", "for", "empty", "endfor", "break", "continue", "filter", "endfilter"]

    /// A parsed template: render it any number of times (not Sendable: Stencil nodes are classes).
    final class Compiled {
        let file: String
        let nodes: [NodeType]
        let lines: [ObjectIdentifier: Int]
        /// The template has no markup: its text is the output.
        let staticText: String?
        /// The text Stencil parsed (after trimming standalone tags; same lines as the file).
        let parsedText: String

        init(file: String, nodes: [NodeType], lines: [ObjectIdentifier: Int], staticText: String?, parsedText: String) {
            self.file = file
            self.nodes = nodes
            self.lines = lines
            self.staticText = staticText
            self.parsedText = parsedText
        }
    }

    /// A rendering and where its lines come from.
    struct Output {
        var text: String
        /// (first output line, template line, whether the output lines follow the template's one to one).
        fileprivate var segments: [(output: Int, template: Int, verbatim: Bool)]

        /// The template line that produced an output line: exact for literal text, the tag's line
        /// for what a tag produced (a loop's body, a value).
        func templateLine(forOutputLine line: Int) -> Int {
            guard let segment = segments.last(where: { $0.output <= line }) else { return line }
            return segment.verbatim ? segment.template + (line - segment.output) : segment.template
        }
    }

    static func environment() -> Environment {
        let ext = TemplateFilters.makeExtension()
        ext.registerTag(EmitNode.tag) { parser, token in
            let expression = String(token.contents.dropFirst(EmitNode.tag.count + 1))
            // The bare variable too, to name it when it is null (unless a filter handles null).
            let parts = split(tightened(expression), on: "|")
            let handlesNull = parts.count > 1 && ["default", "required"].contains(split(parts[1], on: ":", limit: 1)[0])
            let subject = parts.count > 1 && !handlesNull ? try parser.compileFilter(parts[0], containedIn: token) : nil
            return EmitNode(expression: expression, subjectText: parts[0], subject: subject,
                            resolvable: try parser.compileFilter(expression, containedIn: token), token: token)
        }
        return Environment(extensions: [ext], trimBehaviour: .nothing)
    }

    /// A line holding only one block tag or comment (and blanks) leaves nothing in the output,
    /// not even its newline (Jinja's trim_blocks + lstrip_blocks); tags inside a line are left
    /// alone. Done by moving the line's newline inside the tag (`{% if x \n%}`), which Stencil
    /// ignores, so line numbers stay those of the file.
    static func standaloneTagsTrimmed(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            let isLast = index == lines.count - 1
            let trimmed = line.trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
            let opens = trimmed.components(separatedBy: "{%").count + trimmed.components(separatedBy: "{#").count + trimmed.components(separatedBy: "{{").count - 3
            let standalone = !isLast && opens == 1
                && ((trimmed.hasPrefix("{%") && trimmed.hasSuffix("%}")) || (trimmed.hasPrefix("{#") && trimmed.hasSuffix("#}")))
            if standalone {
                out += trimmed.dropLast(2) + "\n" + trimmed.suffix(2)
            } else {
                out += line
                if !isLast { out += "\n" }
            }
        }
        return out
    }

    /// Parses a template and checks its variable roots; all problems are returned.
    static func compile(_ manifest: AddonDefinition.ManifestTemplate, roots: Set<String> = roots) -> Result<Compiled, CatalogErrors> {
        let text = manifest.text
        if !text.contains("{{") && !text.contains("{%") && !text.contains("{#") {
            return .success(Compiled(file: manifest.file, nodes: [], lines: [:], staticText: text, parsedText: text))
        }
        let parsedText = standaloneTagsTrimmed(text)
        let template = Template(templateString: parsedText, environment: environment(), name: manifest.file)
        // `{{ expr }}` becomes `{% _emit expr %}`: printing a null or undefined value is an
        // error, and so is printing an object or list without a filter (toYaml, json).
        let tokens = template.tokens.map { token in
            token.kind == .variable ? Token.block(value: "\(EmitNode.tag) \(token.contents)", at: token.sourceMap) : token
        }
        let lineTable = Self.lineTable(text: text, tokens: tokens)
        var diagnostics = Diagnostics()
        checkVariables(tokens: tokens, lines: lineTable, file: manifest.file, roots: roots, diagnostics: &diagnostics)
        let parser = TokenParser(tokens: tokens, environment: environment())
        var nodes: [NodeType] = []
        do {
            nodes = try parser.parse()
        } catch {
            diagnostics.add(convert(error, file: manifest.file, lines: lineTable, rendering: false))
        }
        if !diagnostics.isEmpty { return .failure(CatalogErrors(diagnostics.errors)) }
        return .success(Compiled(file: manifest.file, nodes: nodes, lines: lineTable, staticText: nil, parsedText: parsedText))
    }

    /// Renders a compiled template with the context (`cluster`, `values`, `secrets`, `addon`).
    static func render(_ compiled: Compiled, context: [String: JSONValue]) -> Result<Output, CatalogError> {
        if let staticText = compiled.staticText { return .success(Output(text: staticText, segments: [(1, 1, true)])) }
        var dictionary: [String: Any] = [:]
        for (key, value) in context { dictionary[key] = TemplateValues.wrap(value, path: key) }
        let stencilContext = Context(dictionary: dictionary, environment: environment())
        // Top-level nodes one by one, noting which template line each output line comes from:
        // literal text is found in the parsed text (it is verbatim and in order), tags have
        // their line in the line table.
        var output = Output(text: "", segments: [])
        var outputLine = 1
        let parsed = compiled.parsedText
        var cursor = parsed.startIndex
        var cursorLine = 1
        do {
            for node in compiled.nodes {
                if let text = node as? TextNode {
                    if !text.text.isEmpty, let range = parsed.range(of: text.text, range: cursor..<parsed.endIndex) {
                        cursorLine += parsed[cursor..<range.lowerBound].utf8.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
                        output.segments.append((outputLine, cursorLine, true))
                        cursorLine += text.text.utf8.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
                        cursor = range.upperBound
                    }
                } else if let token = node.token, let line = compiled.lines[ObjectIdentifier(token)] {
                    output.segments.append((outputLine, line, false))
                }
                let piece = try renderNodes([node], stencilContext)
                outputLine += piece.utf8.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
                output.text += piece
            }
            return .success(output)
        } catch {
            return .failure(convert(error, file: compiled.file, lines: compiled.lines, rendering: true))
        }
    }

    // MARK: - Errors

    private static func convert(_ error: any Error, file: String, lines: [ObjectIdentifier: Int], rendering: Bool) -> CatalogError {
        guard let syntax = error as? TemplateSyntaxError else {
            return CatalogError(.templateFailure, file: file, line: nil, "\(error)")
        }
        var line: Int?
        if let token = syntax.token {
            line = lines[ObjectIdentifier(token)] ?? (token.sourceMap.location.lineNumber > 0 ? Int(token.sourceMap.location.lineNumber) : nil)
        }
        let kind: CatalogError.Kind
        if syntax.reason.hasPrefix(undefinedPrefix) {
            kind = .undefinedVariable
        } else {
            kind = rendering ? .templateFailure : .templateSyntax
        }
        return CatalogError(kind, file: file, line: line, syntax.reason)
    }

    // MARK: - Lines

    /// The line of every non-text token, found by scanning the text the way Stencil's lexer
    /// does (a `{` followed by `{`, `%` or `#` opens a tag; `}}`, `%}`, `#}` close it).
    static func lineTable(text: String, tokens: [Token]) -> [ObjectIdentifier: Int] {
        var tagLines: [Int] = []
        let scalars = Array(text.unicodeScalars)
        var i = 0
        var line = 1
        while i < scalars.count {
            let c = scalars[i]
            if c == "\n" { line += 1; i += 1; continue }
            if c == "{", i + 1 < scalars.count, scalars[i + 1] == "{" || scalars[i + 1] == "%" || scalars[i + 1] == "#" {
                let close = scalars[i + 1] == "{" ? Unicode.Scalar("}") : scalars[i + 1]
                tagLines.append(line)
                var j = i + 2
                var previous: Unicode.Scalar = " "
                while j < scalars.count {
                    if scalars[j] == "}" && previous == close && j > i + 2 { break }
                    if scalars[j] == "\n" { line += 1 }
                    previous = scalars[j]
                    j += 1
                }
                i = j + 1
                continue
            }
            i += 1
        }
        var table: [ObjectIdentifier: Int] = [:]
        let tagTokens = tokens.filter { $0.kind != .text }
        guard tagTokens.count == tagLines.count else { return table }
        // Stencil's `for` node carries its `endfor` (or `empty`) token: errors of the loop's own
        // expression must point at the `for` line.
        var openLoops: [Int] = []
        for (token, line) in zip(tagTokens, tagLines) {
            var reported = line
            if token.kind == .block {
                let words = token.components
                switch words.first?.hasSuffix(":") == true && words.count > 1 ? words[1] : words.first {
                case "for": openLoops.append(line)
                case "empty": reported = openLoops.last ?? line
                case "endfor": reported = openLoops.popLast() ?? line
                default: break
                }
            }
            table[ObjectIdentifier(token)] = reported
        }
        return table
    }

    // MARK: - Static checks

    /// Reports unsupported tags and variables whose root is neither a context root nor a loop
    /// variable in scope.
    private static func checkVariables(tokens: [Token], lines: [ObjectIdentifier: Int], file: String, roots: Set<String>,
                                       diagnostics: inout Diagnostics) {
        var scopes: [Set<String>] = []
        func inScope(_ name: String) -> Bool { roots.contains(name) || scopes.contains { $0.contains(name) } }
        func check(_ expression: String, token: Token) {
            for root in referencedRoots(expression) where !inScope(root) {
                let line = lines[ObjectIdentifier(token)]
                diagnostics.add(.undefinedVariable, file: file, line: line,
                                "\(undefinedPrefix) \(root) (the template context has \(roots.sorted().joined(separator: ", "))\(scopes.isEmpty ? "" : " and the loop variables \(scopes.flatMap { $0 }.sorted().joined(separator: ", "))"))")
            }
        }
        for token in tokens {
            switch token.kind {
            case .variable:
                check(token.contents, token: token)
            case .block where token.contents.hasPrefix(EmitNode.tag + " "):
                check(String(token.contents.dropFirst(EmitNode.tag.count + 1)), token: token)
            case .block:
                var components = token.components
                if components.first?.hasSuffix(":") == true, components.count >= 2 { components.removeFirst() }
                guard let tag = components.first else { continue }
                guard allowedTags.contains(tag) else {
                    diagnostics.add(.templateSyntax, file: file, line: lines[ObjectIdentifier(token)], "the tag \"\(tag)\" is not supported in templates (use if, for, filter)")
                    continue
                }
                switch tag {
                case "for":
                    // for VARS in EXPR [where COND]
                    guard components.count >= 4 else { continue }
                    check(components[3], token: token)
                    let variables = Set(components[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                    scopes.append(variables.union(["forloop"]))
                    if components.count > 5 { check(components[5...].joined(separator: " "), token: token) }
                case "endfor":
                    if !scopes.isEmpty { scopes.removeLast() }
                case "if", "elif", "ifnot":
                    check(components.dropFirst().joined(separator: " "), token: token)
                case "filter":
                    check("_filtered_|" + components.dropFirst().joined(separator: " "), token: token)
                default:
                    break
                }
            default:
                break
            }
        }
    }

    private static let operators: Set<String> = ["and", "or", "not", "in", "if", "else", "==", "!=", "<", ">", "<=", ">=", "(", ")"]

    /// The variable roots an expression refers to: `values.a|default:cluster.b` → values, cluster.
    static func referencedRoots(_ expression: String) -> [String] {
        var roots: [String] = []
        for word in split(tightened(expression), on: " ") where !word.isEmpty && !operators.contains(word) {
            let parts = split(word, on: "|")
            var operands: [String] = [parts[0]]
            for filter in parts.dropFirst() {
                let nameAndArgs = split(filter, on: ":", limit: 1)
                if nameAndArgs.count == 2 { operands += split(nameAndArgs[1], on: ",") }
            }
            for operand in operands {
                for piece in operand.components(separatedBy: "...") {
                    let trimmed = piece.trimmingCharacters(in: .whitespaces)
                    if let root = root(of: trimmed) { roots.append(root) }
                }
            }
        }
        return roots
    }

    /// Removes spaces around `|`, `:` and `,` outside quotes (`a | default: b` → `a|default:b`).
    static func tightened(_ text: String) -> String {
        let chars = Array(text)
        var out = ""
        var quote: Character?
        for (i, c) in chars.enumerated() {
            if let q = quote {
                out.append(c)
                if c == q { quote = nil }
                continue
            }
            if c == "\"" || c == "'" { quote = c }
            if c == " " {
                let previous = out.last(where: { $0 != " " })
                let next = chars[(i + 1)...].first(where: { $0 != " " })
                if let previous, "|:,".contains(previous) { continue }
                if let next, "|:,".contains(next) { continue }
            }
            out.append(c)
        }
        return out
    }

    private static func root(of operand: String) -> String? {
        guard let first = operand.first else { return nil }
        if first == "\"" || first == "'" { return nil }
        if first.isNumber || first == "-" || first == "+" || first == "." { return nil }
        if operand == "true" || operand == "false" || operand == "_filtered_" { return nil }
        let root = operand.split(separator: ".", maxSplits: 1).first.map(String.init) ?? operand
        return root.isEmpty ? nil : root
    }

    /// Splits on a separator outside quotes.
    static func split(_ text: String, on separator: Character, limit: Int = .max) -> [String] {
        var result: [String] = []
        var current = ""
        var quote: Character?
        for c in text {
            if let q = quote {
                current.append(c)
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
                current.append(c)
            } else if c == separator && result.count < limit {
                result.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        result.append(current)
        return result.map { $0.trimmingCharacters(in: .whitespaces) }
    }
}

/// Prints a value (`{{ expr }}`): strings as they are, numbers and booleans as YAML writes them;
/// null or undefined values and objects or lists (which need `toYaml` or `json`) are errors.
final class EmitNode: NodeType {
    static let tag = "_emit"
    let expression: String
    let subjectText: String
    let subject: Resolvable?
    let resolvable: Resolvable
    let token: Token?

    init(expression: String, subjectText: String, subject: Resolvable?, resolvable: Resolvable, token: Token) {
        self.expression = expression
        self.subjectText = subjectText
        self.subject = subject
        self.resolvable = resolvable
        self.token = token
    }

    func render(_ context: Context) throws -> String {
        if let subject, case .null = TemplateValues.unwrap(try subject.resolve(context)) {
            throw TemplateSyntaxError(reason: "\(TemplateEngine.undefinedPrefix) or null value \(subjectText) (give it a default in the values schema, or use |default:...)")
        }
        let value = try resolvable.resolve(context)
        switch TemplateValues.unwrap(value) {
        case .null:
            throw TemplateSyntaxError(reason: "\(TemplateEngine.undefinedPrefix) or null value \(expression) (give it a default in the values schema, or use |default:...)")
        case .object, .array:
            if value is String { return value as! String }
            throw TemplateSyntaxError(reason: "\(expression) is an object or a list: print it with |toYaml (and |nindent:N) or |json")
        case .string(let s): return s
        case let other: return TemplateValues.text(other.isNull ? nil : value) ?? ""
        }
    }
}
