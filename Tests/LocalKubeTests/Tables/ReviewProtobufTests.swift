import KubernetesModel
@testable import LocalKube
import Testing

/// The review kinds' protobuf bodies (client-go's typed clients send them so).
@Suite struct ReviewProtobufTests {
    /// The body kubectl 1.32 sent for `kubectl auth can-i get clusters.addon-manager.io -n p`.
    @Test func selfSubjectAccessReviewFromKubectlInProtobuf() throws {
        let hex = "6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a656374416363657373526576696577124b0a100a0012001a0022002a00320038004200122d0a2b0a017012036765741a0022002a19636c7573746572732e6164646f6e2d6d616e616765722e696f32003a001a08080012001a0020001a002200"
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        let review = try ReviewProtobuf.decode(bytes, kind: "SelfSubjectAccessReview")
        #expect(review == ["apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "metadata": .emptyObject,
                           "spec": ["resourceAttributes": ["namespace": "p", "verb": "get", "resource": "clusters.addon-manager.io"]]])
        #expect(throws: ReviewProtobuf.DecodeError.self) { try ReviewProtobuf.decode(Array(bytes.prefix(40)), kind: "SelfSubjectAccessReview") }
        #expect(throws: ReviewProtobuf.DecodeError.self) { try ReviewProtobuf.decode(Array("{}".utf8), kind: "SelfSubjectAccessReview") }
    }
}
