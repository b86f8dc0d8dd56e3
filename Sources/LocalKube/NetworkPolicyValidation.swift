import Foundation
import KubernetesModel

/// A NetworkPolicy's spec as the v1.24 server's networking validation checks it: each rule's
/// ports (protocol, port number or name, endPort) and peers (exactly one kind unless ipBlock
/// stands alone; ipBlock CIDRs and strict-subset exceptions), and the policy types.
enum NetworkPolicyValidation {
    static func errors(_ spec: JSONValue) -> FieldErrors {
        var errors = FieldErrors()
        errors.append(contentsOf: LabelSelectorValidation.errors(spec["podSelector"], path: "spec.podSelector"))
        for (direction, peers) in [("ingress", "from"), ("egress", "to")] {
            for (i, rule) in (spec[direction].arrayValue ?? []).enumerated() {
                let at = "spec.\(direction)[\(i)]"
                for (j, port) in (rule["ports"].arrayValue ?? []).enumerated() { portErrors(port, path: "\(at).ports[\(j)]", errors: &errors) }
                for (j, peer) in (rule[peers].arrayValue ?? []).enumerated() { peerErrors(peer, path: "\(at).\(peers)[\(j)]", errors: &errors) }
            }
        }
        let types = (spec["policyTypes"].arrayValue ?? []).map { $0.stringValue ?? "" }
        if types.count > 2 {
            let value = "[]networking.PolicyType{" + types.map(GoSyntax.quote).joined(separator: ", ") + "}"
            errors.invalid("spec.policyTypes", .go(value), "may not specify more than two policyTypes")
            return errors
        }
        for (i, type) in types.enumerated() where type != "Ingress" && type != "Egress" {
            errors.notSupported("spec.policyTypes[\(i)]", type, ["Ingress", "Egress"])
        }
        return errors
    }

    private static func portErrors(_ port: JSONValue, path: String, errors: inout FieldErrors) {
        if let proto = port["protocol"].stringValue, !["TCP", "UDP", "SCTP"].contains(proto) {
            errors.notSupported("\(path).protocol", proto, ["TCP", "UDP", "SCTP"])
        }
        let endPort = port["endPort"].intValue
        switch port["port"] {
        case .int(let number):
            if let message = PortValidation.numberError(number) { errors.invalid("\(path).port", .int(number), message) }
            if let endPort {
                // The server prints the port, not the endPort, here.
                if endPort < number { errors.invalid("\(path).endPort", .int(number), "must be greater than or equal to `port`") }
                if let message = PortValidation.numberError(endPort) { errors.invalid("\(path).endPort", .int(endPort), message) }
            }
        case .string(let name):
            if let endPort { errors.invalid("\(path).endPort", .int(endPort), "may not be specified when `port` is non-numeric") }
            for message in PortValidation.nameErrors(name) { errors.invalid("\(path).port", .string(name), message) }
        default:
            if let endPort { errors.invalid("\(path).endPort", .int(endPort), "may not be specified when `port` is not specified") }
        }
    }

    private static func peerErrors(_ peer: JSONValue, path: String, errors: inout FieldErrors) {
        let kinds = ["podSelector", "namespaceSelector", "ipBlock"].filter { !peer[$0].isNull }
        for selector in ["podSelector", "namespaceSelector"] {
            errors.append(contentsOf: LabelSelectorValidation.errors(peer[selector], path: "\(path).\(selector)"))
        }
        if !peer["ipBlock"].isNull { ipBlockErrors(peer["ipBlock"], path: "\(path).ipBlock", errors: &errors) }
        if kinds.isEmpty {
            errors.required(path, "must specify a peer")
        } else if kinds.count > 1, kinds.contains("ipBlock") {
            errors.forbidden(path, "may not specify both ipBlock and another peer")
        }
    }

    /// `ValidateIPBlock` (v1.24: "not a valid CIDR", and each exception a strict subset).
    private static func ipBlockErrors(_ block: JSONValue, path: String, errors: inout FieldErrors) {
        let cidr = block["cidr"].stringValue ?? ""
        if cidr.isEmpty {
            errors.required("\(path).cidr")
            return
        }
        guard let network = CIDR(cidr) else {
            errors.invalid("\(path).cidr", .string(cidr), "not a valid CIDR")
            return
        }
        for (i, text) in (block["except"].arrayValue ?? []).map({ $0.stringValue ?? "" }).enumerated() {
            guard let except = CIDR(text) else {
                errors.invalid("\(path).except[\(i)]", .string(text), "not a valid CIDR")
                return
            }
            if !network.contains(except.address) || network.prefix >= except.prefix {
                errors.invalid("\(path).except[\(i)]", .string(text), "must be a strict subset of `cidr`")
            }
        }
    }
}

/// An IP address as `netutils.ParseIPSloppy` reads it (4 bytes for IPv4, IPv4-mapped IPv6
/// included; 16 for IPv6; IPv4 parts may have leading zeros), and the special ranges
/// `ValidateNonSpecialIP` refuses, worded as v1.24 words them.
enum IPAddress {
    static func bytes(_ text: String) -> [UInt8]? {
        if text.contains(":") {
            var raw = in6_addr()
            guard inet_pton(AF_INET6, text, &raw) == 1 else { return nil }
            let bytes = withUnsafeBytes(of: &raw) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff { return Array(bytes[12...]) }
            return bytes
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.utf8.count <= 8, part.utf8.allSatisfy({ (48...57).contains($0) }),
                  let value = Int(part), value <= 255 else { return nil }
            bytes.append(UInt8(value))
        }
        return bytes
    }

    /// Go's `net.ParseIP` (Go 1.17 and later): IPv4 parts without leading zeros.
    static func strictBytes(_ text: String) -> [UInt8]? {
        if text.contains(":") { return bytes(text) }
        var raw = in_addr()
        guard inet_pton(AF_INET, text, &raw) == 1 else { return nil }
        return withUnsafeBytes(of: &raw) { Array($0) }
    }

    static func specialRangeMessages(_ b: [UInt8], text: String) -> [String] {
        var messages: [String] = []
        let v4 = b.count == 4
        if b.allSatisfy({ $0 == 0 }) { messages.append("may not be unspecified (\(text))") }
        if v4 ? b[0] == 127 : b == [UInt8](repeating: 0, count: 15) + [1] {
            messages.append("may not be in the loopback range (127.0.0.0/8, ::1/128)")
        }
        if v4 ? (b[0] == 169 && b[1] == 254) : (b[0] == 0xfe && b[1] & 0xc0 == 0x80) {
            messages.append("may not be in the link-local range (169.254.0.0/16, fe80::/10)")
        }
        if v4 ? (b[0] == 224 && b[1] == 0 && b[2] == 0) : (b[0] == 0xff && b[1] & 0x0f == 0x02) {
            messages.append("may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)")
        }
        return messages
    }
}

/// An IPv4 or IPv6 network as Go's `net.ParseCIDR` reads it (the address masked to the prefix).
struct CIDR {
    let address: [UInt8]
    let prefix: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let prefix = Int(parts[1]), parts[1].allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let host = String(parts[0])
        var bytes: [UInt8]
        if host.contains(":") {
            var raw = in6_addr()
            guard inet_pton(AF_INET6, host, &raw) == 1 else { return nil }
            bytes = withUnsafeBytes(of: &raw) { Array($0) }
        } else {
            var raw = in_addr()
            guard inet_pton(AF_INET, host, &raw) == 1 else { return nil }
            bytes = withUnsafeBytes(of: &raw) { Array($0) }
        }
        guard prefix >= 0, prefix <= bytes.count * 8 else { return nil }
        self.prefix = prefix
        self.address = CIDR.masked(bytes, prefix)
    }

    func contains(_ other: [UInt8]) -> Bool {
        other.count == address.count && CIDR.masked(other, prefix) == address
    }

    private static func masked(_ bytes: [UInt8], _ prefix: Int) -> [UInt8] {
        bytes.enumerated().map { i, b in
            let bits = max(0, min(8, prefix - i * 8))
            return bits == 8 ? b : b & ~(UInt8(0xFF) >> bits)
        }
    }
}
