import Foundation
import KubernetesModel

extension LocalKubeCluster {
    func get(_ type: ResourceType, namespace: String?, name: String, request: APIRequest) throws(APIError) -> APIResponse {
        guard let object = store.get(type.key, ObjectName(namespace: namespace ?? "", name: name)) else {
            throw APIError.notFound(type, name: name)
        }
        if wantsTable(request) { return .json(table(type, objects: [object], listMetadata: ["resourceVersion": .string(String(resourceVersion))], request: request)) }
        return .json(served(object, as: type))
    }

    func list(_ type: ResourceType, namespace: String?, request: APIRequest) throws(APIError) -> APIResponse {
        try ListOptionsValidation.validate(request.query)
        let filter = try ObjectFilter(namespace: namespace, query: request.query, type: type)
        var start: String?
        if let token = request.query["continue"], !token.isEmpty {
            start = try continueStart(token)
        }
        let limit = request.query["limit"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
        var items: [JSONValue] = []
        var lastKey: String?
        var remaining = 0
        for (name, object) in store.list(type.key, namespace: namespace) {
            if let start, name.key <= start { continue }
            guard filter.matches(object) else { continue }
            if let limit, items.count >= limit {
                remaining += 1
                continue
            }
            items.append(object)
            lastKey = name.key
        }
        var metadata: JSONValue = ["resourceVersion": .string(String(resourceVersion))]
        if remaining > 0, let lastKey {
            metadata["continue"] = .string(Self.continueToken(rv: resourceVersion, start: lastKey))
            if filter.labels.isEverything, filter.fields == nil { metadata["remainingItemCount"] = .int(Int64(remaining)) }
        } else if type.isCustom {
            // A custom resource list is unstructured on the real server: its (empty) continue is always written.
            metadata["continue"] = ""
        }
        if wantsTable(request) { return .json(table(type, objects: items, listMetadata: metadata, request: request)) }
        return APIResponse(status: 200, body: .bytes(listBytes(type, items: items, metadata: metadata)))
    }

    /// A list body; items of built-in kinds carry no kind/apiVersion (as the typed lists of the real server), custom ones do.
    func listBytes(_ type: ResourceType, items: [JSONValue], metadata: JSONValue) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.append(contentsOf: Array("{\"apiVersion\":\"\(type.apiVersion)\",\"items\":[".utf8))
        for (i, item) in items.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            var item = item
            if type.isCustom {
                item["apiVersion"] = .string(type.apiVersion)
            } else {
                item.removeValue(forKey: "apiVersion")
                item.removeValue(forKey: "kind")
            }
            bytes.append(contentsOf: item.serialized())
        }
        bytes.append(contentsOf: Array("],\"kind\":\"\(type.listKind)\",\"metadata\":".utf8))
        bytes.append(contentsOf: metadata.serialized())
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// The object as served under `type`'s version.
    func served(_ object: JSONValue, as type: ResourceType) -> JSONValue {
        guard object["apiVersion"].stringValue != type.apiVersion else { return object }
        var o = object
        o["apiVersion"] = .string(type.apiVersion)
        return o
    }

    // MARK: Continue tokens (the real server's format: base64url of {"v","rv","start"})

    static func continueToken(rv: Int64, start: String) -> String {
        let json: JSONValue = ["v": "meta.k8s.io/v1", "rv": .int(rv), "start": .string(start + "\u{0}")]
        return Data(json.serialized()).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    func continueStart(_ token: String) throws(APIError) -> String {
        var b64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        let data = Data(base64Encoded: b64) ?? Self.partialBase64(token)
        let parsed: JSONValue
        do {
            parsed = try JSONValue.parse(Array(data))
        } catch {
            let first = data.first.map { b -> String in
                (0x20..<0x7f).contains(b) ? String(UnicodeScalar(b)) : String(format: "\\u%04x", b)
            } ?? ""
            throw APIError.badRequest("invalid continue token: continue key is not valid: invalid character '\(first)' looking for beginning of value")
        }
        guard parsed["v"].stringValue == "meta.k8s.io/v1", let start = parsed["start"].stringValue, let rv = parsed["rv"].intValue else {
            throw APIError.badRequest("invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
        }
        if rv < history.floor {
            throw APIError.gone("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue value from the response to get a consistent snapshot.")
        }
        return start.hasSuffix("\u{0}") ? String(start.dropLast()) : start
    }

    /// Decode as many whole 4-character groups as are valid (what Go's decoder yields before its error).
    private static func partialBase64(_ token: String) -> Data {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var bits = 0, acc = 0
        var out = Data()
        for c in token {
            guard let v = alphabet.firstIndex(of: c) else { break }
            acc = (acc << 6) | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((acc >> bits) & 0xff))
            }
        }
        return out
    }
}
