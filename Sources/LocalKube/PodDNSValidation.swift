import KubernetesModel

/// How a pod resolves names, as v1.24's core validation checks it: `validatePodDNSConfig` (a
/// `None` policy needs a config with a nameserver; at most 3 nameservers, each an IP address; at
/// most 6 search domains of 256 characters in all — the legacy limits, the ExpandedDNSConfig gate
/// being off — each a DNS subdomain once a trailing dot is dropped; options named) and
/// `ValidateHostAliases` (an IP address, hostnames that are subdomains, reported without index).
enum PodDNSValidation {
    static let maxNameservers = 3
    static let maxSearchPaths = 6
    static let maxSearchListCharacters = 256
    static let invalidIPMessage = "must be valid IP address"

    static func dnsConfig(_ spec: JSONValue, path: String, errors: inout FieldErrors) {
        let config = spec["dnsConfig"]
        let nameservers = (config["nameservers"].arrayValue ?? []).map { $0.stringValue ?? "" }
        if spec["dnsPolicy"].stringValue == "None" {
            guard case .object = config else {
                errors.required(path, "must provide `dnsConfig` when `dnsPolicy` is None")
                return
            }
            if nameservers.isEmpty {
                errors.required("\(path).nameservers", "must provide at least one DNS nameserver when `dnsPolicy` is None")
                return
            }
        }
        guard case .object = config else { return }
        if nameservers.count > maxNameservers {
            errors.invalid("\(path).nameservers", .go(GoSyntax.stringSlice(config["nameservers"])), "must not have more than \(maxNameservers) nameservers")
        }
        for (i, nameserver) in nameservers.enumerated() where IPAddress.bytes(nameserver) == nil {
            errors.invalid("\(path).nameservers[\(i)]", .string(nameserver), invalidIPMessage)
        }
        let searches = (config["searches"].arrayValue ?? []).map { $0.stringValue ?? "" }
        if searches.count > maxSearchPaths {
            errors.invalid("\(path).searches", .go(GoSyntax.stringSlice(config["searches"])), "must not have more than \(maxSearchPaths) search paths")
        }
        if searches.joined(separator: " ").utf8.count > maxSearchListCharacters {
            errors.invalid("\(path).searches", .go(GoSyntax.stringSlice(config["searches"])),
                           "must not have more than \(maxSearchListCharacters) characters (including spaces) in the search list")
        }
        for (i, search) in searches.enumerated() {
            // A trailing dot is allowed.
            let domain = search.hasSuffix(".") ? String(search.dropLast()) : search
            ObjectValidation.subdomain(domain, "\(path).searches[\(i)]", &errors)
        }
        for (i, option) in (config["options"].arrayValue ?? []).enumerated() where (option["name"].stringValue ?? "").isEmpty {
            errors.required("\(path).options[\(i)]", "must not be empty")
        }
    }

    static func hostAliases(_ aliases: [JSONValue], path: String, errors: inout FieldErrors) {
        for alias in aliases {
            let ip = alias["ip"].stringValue ?? ""
            if IPAddress.bytes(ip) == nil { errors.invalid("\(path).ip", .string(ip), invalidIPMessage) }
            for hostname in alias["hostnames"].arrayValue ?? [] { ObjectValidation.subdomain(hostname.stringValue ?? "", "\(path).hostnames", &errors) }
        }
    }
}
