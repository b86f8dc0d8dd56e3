import KubernetesModel

/// Reads the review kinds from the Kubernetes protobuf encoding (`application/vnd.kubernetes.protobuf`):
/// the `k8s\0` magic, a `runtime.Unknown` envelope (typeMeta, raw) and the object's message in `raw`.
/// client-go's typed clients send reviews this way (`kubectl auth can-i`); other kinds LocalKube
/// takes in JSON or YAML only. Only the fields of the review kinds are read; the rest is skipped.
enum ReviewProtobuf {
    struct DecodeError: Error { var reason: String }

    /// How one message's fields map to JSON.
    indirect enum Field {
        case string(String)
        case strings(String)
        case message(String, [Int: Field])
        /// `map<string, ExtraValue>` (ExtraValue: repeated string `items`, field 1).
        case extra(String)
    }

    static let objectMeta: [Int: Field] = [
        1: .string("name"), 2: .string("generateName"), 3: .string("namespace"), 4: .string("selfLink"), 5: .string("uid"), 6: .string("resourceVersion"),
    ]
    static let resourceAttributes: [Int: Field] = [
        1: .string("namespace"), 2: .string("verb"), 3: .string("group"), 4: .string("version"), 5: .string("resource"), 6: .string("subresource"), 7: .string("name"),
    ]
    static let nonResourceAttributes: [Int: Field] = [1: .string("path"), 2: .string("verb")]
    static let accessSpec: [Int: Field] = [
        1: .message("resourceAttributes", resourceAttributes), 2: .message("nonResourceAttributes", nonResourceAttributes),
        3: .string("user"), 4: .strings("groups"), 5: .extra("extra"), 6: .string("uid"),
    ]

    /// The message of each review kind: metadata, spec (status is the server's to fill).
    static func object(kind: String) -> [Int: Field]? {
        let spec: [Int: Field]
        switch kind {
        case "TokenReview": spec = [1: .string("token"), 2: .strings("audiences")]
        case "SelfSubjectAccessReview": spec = [1: .message("resourceAttributes", resourceAttributes), 2: .message("nonResourceAttributes", nonResourceAttributes)]
        case "SubjectAccessReview", "LocalSubjectAccessReview": spec = accessSpec
        default: return nil
        }
        return [1: .message("metadata", objectMeta), 2: .message("spec", spec)]
    }

    static let magic: [UInt8] = [0x6b, 0x38, 0x73, 0x00]

    /// The object as JSON (with apiVersion and kind from the envelope).
    static func decode(_ bytes: [UInt8], kind: String) throws(DecodeError) -> JSONValue {
        guard bytes.starts(with: magic) else { throw DecodeError(reason: "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]") }
        let envelope = try message(Array(bytes.dropFirst(magic.count)), [1: .message("typeMeta", [1: .string("apiVersion"), 2: .string("kind")])])
        var raw: [UInt8] = []
        var reader = Reader(bytes: Array(bytes.dropFirst(magic.count)))
        while let (number, value) = try reader.next() {
            if number == 2, case .bytes(let b) = value { raw = b }
        }
        guard let schema = object(kind: kind) else { throw DecodeError(reason: "no protobuf decoding for \(kind)") }
        var object = try message(raw, schema)
        object["apiVersion"] = envelope["typeMeta"]["apiVersion"]
        object["kind"] = envelope["typeMeta"]["kind"]
        return object
    }

    private static func message(_ bytes: [UInt8], _ schema: [Int: Field]) throws(DecodeError) -> JSONValue {
        var result: JSONValue = .emptyObject
        var reader = Reader(bytes: bytes)
        while let (number, value) = try reader.next() {
            guard let field = schema[number], case .bytes(let b) = value else { continue }
            switch field {
            case .string(let name):
                // proto2 optional strings arrive even when empty; Go's JSON leaves them out.
                if !b.isEmpty { result[name] = .string(String(decoding: b, as: UTF8.self)) }
            case .strings(let name): result[name] = .array((result[name].arrayValue ?? []) + [.string(String(decoding: b, as: UTF8.self))])
            case .message(let name, let inner): result[name] = try message(b, inner)
            case .extra(let name):
                let entry = try message(b, [1: .string("key"), 2: .message("value", [1: .strings("items")])])
                result.setValue(entry["value"]["items"].isNull ? [] : entry["value"]["items"], at: [name, entry["key"].stringValue ?? ""])
            }
        }
        return result
    }

    enum Value {
        case varint(UInt64)
        case bytes([UInt8])
        case fixed
    }

    struct Reader {
        var bytes: [UInt8]
        var position = 0

        mutating func varint() throws(DecodeError) -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while position < bytes.count, shift < 64 {
                let byte = bytes[position]
                position += 1
                result |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { return result }
                shift += 7
            }
            throw DecodeError(reason: "truncated varint")
        }

        /// The next field (number and value), nil at the end.
        mutating func next() throws(DecodeError) -> (Int, Value)? {
            guard position < bytes.count else { return nil }
            let key = try varint()
            let number = Int(key >> 3)
            switch key & 7 {
            case 0: return (number, .varint(try varint()))
            case 1, 5:
                let size = key & 7 == 1 ? 8 : 4
                guard position + size <= bytes.count else { throw DecodeError(reason: "truncated field \(number)") }
                position += size
                return (number, .fixed)
            case 2:
                let length = Int(try varint())
                guard length >= 0, position + length <= bytes.count else { throw DecodeError(reason: "truncated field \(number)") }
                defer { position += length }
                return (number, .bytes(Array(bytes[position..<position + length])))
            default:
                throw DecodeError(reason: "unsupported wire type \(key & 7)")
            }
        }
    }
}
