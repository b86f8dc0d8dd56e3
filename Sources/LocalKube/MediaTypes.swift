import Foundation
import KubernetesModel

/// Content negotiation as the server does it for resources: request bodies must be in a media
/// type its serializers decode (else 415), and an Accept header must allow one it encodes
/// (else 406). The refusals carry the server's Status: reason, code and the accepted list, no details.
enum MediaTypes {
    enum BodyFormat { case json, yaml }

    /// The serializers' media types: protobuf for built-in kinds, not for custom resources.
    static func serializers(custom: Bool) -> [String] {
        custom ? ["application/json", "application/yaml"] : ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]
    }

    /// The format of a create/update body; no Content-Type means JSON. Patch media types are not
    /// body formats (`PUT` with `application/merge-patch+json` is refused like the server does).
    static func bodyFormat(_ contentType: String?, custom: Bool) throws(APIError) -> BodyFormat {
        switch base(contentType ?? "") {
        case "", "application/json": return .json
        case "application/yaml": return .yaml
        default:
            throw APIError(KubeStatus(message: "the body of the request was in an unknown format - accepted media types include: \(serializers(custom: custom).joined(separator: ", "))",
                                      reason: "UnsupportedMediaType", code: 415))
        }
    }

    private static let answerableBuiltin = Set(serializers(custom: false) + ["*/*", "application/*"])
    private static let answerableCustom = Set(serializers(custom: true) + ["*/*", "application/*"])

    /// Refuse an Accept header none of whose entries the server can answer in.
    static func checkAcceptable(_ accept: String?, custom: Bool) throws(APIError) {
        guard let accept, accept != "application/json" else { return }  // what clients send most, answered without parsing
        guard !accept.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        let answerable = custom ? answerableCustom : answerableBuiltin
        if accept.split(separator: ",").contains(where: { answerable.contains(base(String($0))) }) { return }
        throw APIError(KubeStatus(message: "only the following media types are accepted: \(serializers(custom: custom).joined(separator: ", "))",
                                  reason: "NotAcceptable", code: 406))
    }

    /// `type/subtype` without parameters, lowercased.
    static func base(_ mediaType: String) -> String {
        String(mediaType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            .trimmingCharacters(in: .whitespaces).lowercased()
    }
}
