import Foundation
import KubernetesModel
import Stencil

/// The filters manifests need, on top of Stencil's own (`join`, `lowercase`, `uppercase`, ...):
///
/// - `quote`: the value as a double-quoted YAML scalar (JSON escaping, which YAML reads back
///   exactly): safe for `:`, `#`, newlines, `yes`/`no`, leading `*`/`&`.
/// - `yaml` / `toYaml`: a value (object, list, scalar) as block YAML; combine with `nindent:N`.
/// - `json`: a value as compact JSON (also valid YAML flow style).
/// - `indent:N` / `nindent:N`: every non-empty line indented by N spaces (`nindent` starts with
///   a newline), as Helm's.
/// - `b64enc`: base64 of the value's UTF-8 text.
/// - `default:X`: X when the value is null or the empty string (an undefined variable stays an
///   error: declare optional values in the schema with `default: null`).
/// - `required:"message"`: an error when the value is null or empty.
enum TemplateFilters {
    static func makeExtension() -> Extension {
        let ext = Extension()
        ext.registerFilter("quote") { value in
            guard let text = TemplateValues.text(value) else {
                throw TemplateSyntaxError(reason: "quote: the value is null (give it a default or use the default filter first)")
            }
            return JSONValue.string(text).jsonString()
        }
        let toYAML: (Any?) throws -> Any? = { value in
            var text = YAML.emit(TemplateValues.unwrap(value))
            if text.hasSuffix("\n") { text.removeLast() }
            return text
        }
        ext.registerFilter("yaml", filter: toYAML)
        ext.registerFilter("toYaml", filter: toYAML)
        ext.registerFilter("json") { value in
            TemplateValues.unwrap(value).jsonString()
        }
        ext.registerFilter("indent") { (value: Any?, arguments: [Any?]) in
            try indent(value, arguments, filter: "indent")
        }
        ext.registerFilter("nindent") { (value: Any?, arguments: [Any?]) in
            "\n" + (try indent(value, arguments, filter: "nindent"))
        }
        ext.registerFilter("b64enc") { value in
            guard let text = TemplateValues.text(value) else {
                throw TemplateSyntaxError(reason: "b64enc: the value is null")
            }
            return Data(text.utf8).base64EncodedString()
        }
        ext.registerFilter("default") { (value: Any?, arguments: [Any?]) in
            guard arguments.count == 1 else { throw TemplateSyntaxError(reason: "default: takes exactly one argument") }
            if isEmpty(value) { return arguments[0] }
            return value
        }
        ext.registerFilter("required") { (value: Any?, arguments: [Any?]) in
            if isEmpty(value) {
                let message = arguments.first.flatMap { TemplateValues.text($0) } ?? "a required value is missing"
                throw TemplateSyntaxError(reason: "required: \(message)")
            }
            return value
        }
        return ext
    }

    private static func isEmpty(_ value: Any?) -> Bool {
        switch TemplateValues.unwrap(value) {
        case .null: return true
        case .string(let s): return s.isEmpty
        default: return false
        }
    }

    private static func indent(_ value: Any?, _ arguments: [Any?], filter: String) throws -> String {
        guard arguments.count == 1, let width = arguments[0] as? Int, width >= 0 else {
            throw TemplateSyntaxError(reason: "\(filter): takes one argument, the number of spaces (e.g. \(filter):4)")
        }
        let text = TemplateValues.text(value) ?? ""
        let pad = String(repeating: " ", count: width)
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : pad + $0 }
            .joined(separator: "\n")
    }
}
