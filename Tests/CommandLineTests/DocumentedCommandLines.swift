import Foundation

/// The `addon-manager` and `addonctl` command lines a document shows: in code blocks (fenced or
/// indented) and in inline code spans, each with the file and line it stands on.
struct DocumentedCommandLine: CustomStringConvertible {
    enum Program: String { case addonManager = "addon-manager", addonctl }

    var program: Program
    var arguments: [String]
    var file: String
    var line: Int

    var description: String { "\(file):\(line): \(program.rawValue) \(arguments.joined(separator: " "))" }

    /// Every command line of `program`s in the Markdown text.
    static func all(inMarkdown text: String, file: String) -> [DocumentedCommandLine] {
        var found: [DocumentedCommandLine] = []
        var inFence = false
        var previousBlank = true
        var inIndentedBlock = false
        var paragraph: [(text: String, line: Int)] = []

        func flushParagraph() {
            // Inline spans may wrap across lines of a paragraph: join it, keeping each span's first line.
            var joined = ""
            var lineAt: [Int] = []
            for (text, line) in paragraph {
                if !joined.isEmpty { joined += " "; lineAt.append(line) }
                joined += text
                lineAt += Array(repeating: line, count: text.count)
            }
            let characters = Array(joined)
            var index = 0
            while index < characters.count {
                guard characters[index] == "`" else { index += 1; continue }
                guard let end = characters[(index + 1)...].firstIndex(of: "`") else { break }
                let span = String(characters[(index + 1)..<end])
                if let command = parse(span, file: file, line: lineAt.isEmpty ? 0 : lineAt[min(index, lineAt.count - 1)]) { found.append(command) }
                index = end + 1
            }
            paragraph = []
        }

        for (offset, raw) in text.components(separatedBy: "\n").enumerated() {
            let number = offset + 1
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") {
                flushParagraph()
                inFence.toggle()
                previousBlank = false
                continue
            }
            if inFence {
                if let command = parse(trimmed, file: file, line: number) { found.append(command) }
                continue
            }
            if trimmed.isEmpty {
                flushParagraph()
                previousBlank = true
                continue
            }
            if raw.hasPrefix("    ") && (previousBlank || inIndentedBlock) && paragraph.isEmpty {
                inIndentedBlock = true
                if let command = parse(trimmed, file: file, line: number) { found.append(command) }
            } else {
                inIndentedBlock = false
                paragraph.append((trimmed, number))
            }
            previousBlank = false
        }
        flushParagraph()
        return found
    }

    /// One command line: `swift run` and environment assignments before the program are dropped,
    /// a trailing `# comment` and anything after a pipe are cut off, optional `[...]` groups of a
    /// synopsis are left out, and upper-case placeholders (`N`, `CLUSTER`) become `1`.
    static func parse(_ text: String, file: String, line: Int) -> DocumentedCommandLine? {
        var command = text
        if let comment = command.range(of: " #") { command = String(command[..<comment.lowerBound]) }
        if let pipe = command.range(of: " | ") { command = String(command[..<pipe.lowerBound]) }
        command = removingOptionalGroups(command)
        var words = command.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        while let first = words.first, first.contains("="), !first.hasPrefix("-") { words.removeFirst() }
        if words.starts(with: ["swift", "run"]) { words.removeFirst(2) }
        guard let first = words.first, let program = Program(rawValue: first) else { return nil }
        let arguments = words.dropFirst().map { word -> String in
            let unquoted = word.trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
            let isPlaceholder = !unquoted.isEmpty && unquoted.allSatisfy { $0.isUppercase || $0 == "_" || $0.isNumber } && unquoted.first!.isLetter
            return isPlaceholder ? "1" : unquoted
        }
        return DocumentedCommandLine(program: program, arguments: Array(arguments), file: file, line: line)
    }

    private static func removingOptionalGroups(_ text: String) -> String {
        var result = ""
        var depth = 0
        for character in text {
            if character == "[" { depth += 1; continue }
            if character == "]", depth > 0 { depth -= 1; continue }
            if depth == 0 { result.append(character) }
        }
        return result
    }
}
