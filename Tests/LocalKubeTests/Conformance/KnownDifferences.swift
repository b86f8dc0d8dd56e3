import Foundation

/// The differences from the recording written down in `KNOWN-DIFFERENCES.md` (beside this file),
/// each with its reason. A row of its table: `| case | step | path | reason |` (`*` for any case or
/// step); a difference is known when its case and step match and its path is the row's path or
/// lies under it (a path may also end inside a managedFields entry's name: `[Update manager`).
struct KnownDifferences: Sendable {
    struct Entry: Sendable, CustomStringConvertible {
        /// A case id, or `*` for every case.
        var caseID: String
        /// A step number, or nil (`*`) for every step.
        var step: Int?
        var path: String
        var reason: String

        func covers(caseID: String, step: Int, path: String) -> Bool {
            guard self.caseID == "*" || caseID == self.caseID, self.step == nil || step == self.step else { return false }
            if path == self.path { return true }
            guard path.hasPrefix(self.path) else { return false }
            let next = path[path.index(path.startIndex, offsetBy: self.path.count)]
            return next == "." || next == "[" || next == " "
        }

        var description: String { "\(caseID) step \(step.map(String.init) ?? "*") at \(path): \(reason)" }
    }

    var entries: [Entry]

    static var file: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("KNOWN-DIFFERENCES.md") }

    static func load() throws -> KnownDifferences {
        try parse(String(contentsOf: file, encoding: .utf8))
    }

    static func parse(_ text: String) throws -> KnownDifferences {
        var entries: [Entry] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("|") else { continue }
            let cells = trimmed.dropFirst().split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "`", with: "")
            }
            guard cells.count >= 4, cells[0] != "case", !cells[0].hasPrefix("-") else { continue }
            let step = Int(cells[1])
            guard step != nil || cells[1] == "*" else {
                throw KnownDifferencesError(line: number + 1, reason: "step \"\(cells[1])\" is not a number")
            }
            guard !cells[3].isEmpty else { throw KnownDifferencesError(line: number + 1, reason: "no reason given") }
            entries.append(Entry(caseID: cells[0], step: step, path: cells[2], reason: cells[3]))
        }
        return KnownDifferences(entries: entries)
    }

    func entry(caseID: String, step: Int, path: String) -> Entry? {
        entries.first { $0.covers(caseID: caseID, step: step, path: path) }
    }
}

struct KnownDifferencesError: Error, CustomStringConvertible {
    var line: Int
    var reason: String
    var description: String { "KNOWN-DIFFERENCES.md line \(line): \(reason)" }
}
