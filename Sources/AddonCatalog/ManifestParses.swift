import KubernetesModel
import Synchronization

/// Rendered manifests already parsed, shared by every cluster whose rendering of a manifest came
/// out as the same text. A fleet renders each addon once per cluster, and most manifests (RBAC,
/// CRDs, workloads whose values come from the channel) render to the same text on every cluster:
/// parsing that YAML was half the time of rendering an addon. A text is parsed once; clusters
/// whose text differs (their names, their zones) are parsed as before.
///
/// Bounded by the text it keeps (`capacityBytes`), the least recently used out first, so that
/// the texts unique to one cluster pass through without pushing out the shared ones. A text that
/// does not parse is not kept: its error is reported every time. What it returns are values; a
/// caller changing a document changes its own copy.
final class ManifestParses: Sendable {
    /// The one every rendering uses: 1 MiB of text, about twenty addons' worth of manifests.
    static let shared = ManifestParses(capacityBytes: 1 << 20)

    /// Compared and hashed as bytes: `String`'s `==` takes canonically equivalent texts (a
    /// precomposed "é" and "e" with a combining accent) as equal, and a cluster must get the
    /// parse of the bytes its own templates produced.
    private struct Key: Hashable {
        var file: String
        var text: String

        static func == (a: Key, b: Key) -> Bool {
            sameBytes(a.file, b.file) && sameBytes(a.text, b.text)
        }

        func hash(into hasher: inout Hasher) {
            Self.combineBytes(of: file, into: &hasher)
            Self.combineBytes(of: text, into: &hasher)
        }

        private static func combineBytes(of part: String, into hasher: inout Hasher) {
            var part = part
            part.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
            hasher.combine(0xFF as UInt8)  // not a UTF-8 byte: ends the part
        }

        private static func sameBytes(_ a: String, _ b: String) -> Bool {
            var a = a, b = b
            return a.withUTF8 { x in b.withUTF8 { y in x.elementsEqual(y) } }
        }
    }

    private struct Entry {
        var documents: [YAMLDocument]
        var lastUse: UInt64
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var bytes = 0
        var clock: UInt64 = 0
        var hits = 0
        var misses = 0
    }

    let capacityBytes: Int
    private let state = Mutex(State())

    init(capacityBytes: Int) {
        self.capacityBytes = capacityBytes
    }

    /// The documents of `text` (what `YAML.documents(in:file:)` returns), parsed now or earlier.
    func documents(in text: String, file: String) throws(YAMLParseError) -> [YAMLDocument] {
        let key = Key(file: file, text: text)
        let known: [YAMLDocument]? = state.withLock { state in
            state.clock += 1
            guard var entry = state.entries[key] else {
                state.misses += 1
                return nil
            }
            state.hits += 1
            entry.lastUse = state.clock
            state.entries[key] = entry
            return entry.documents
        }
        if let known { return known }
        let documents = try YAML.documents(in: text, file: file)
        let size = text.utf8.count + file.utf8.count
        guard size <= capacityBytes / 4 else { return documents }
        state.withLock { state in
            guard state.entries[key] == nil else { return }
            state.entries[key] = Entry(documents: documents, lastUse: state.clock)
            state.bytes += size
            while state.bytes > capacityBytes, let oldest = state.entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
                state.entries.removeValue(forKey: oldest)
                state.bytes -= oldest.text.utf8.count + oldest.file.utf8.count
            }
        }
        return documents
    }

    /// How many texts are kept, how many bytes of text, and how often a text was found or parsed.
    var statistics: (texts: Int, bytes: Int, hits: Int, misses: Int) {
        state.withLock { ($0.entries.count, $0.bytes, $0.hits, $0.misses) }
    }
}
