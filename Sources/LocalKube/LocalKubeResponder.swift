import Foundation
import Hummingbird
import KubernetesModel
import HTTPTypes
import NIOCore

/// Routes `/clusters/NAME/...` to that cluster after checking its bearer token (the cluster's admin
/// token or one of its users' tokens: `LocalKubeCluster.addUser`), and writes the cluster's answer
/// (bytes, or a streamed watch).
///
/// A path without the `/clusters/NAME` prefix goes to the cluster whose bearer token the request
/// carries. kubectl and client-go drop the server URL's path for raw requests
/// (`kubectl get --raw /readyz` asks for `/readyz`), and every LocalKube kubeconfig carries its
/// cluster's token, so the token names the cluster. This was chosen over an address, port or TLS
/// server name per cluster: it needs no extra listener, file descriptor, loopback alias,
/// certificate name or DNS entry per cluster (so 1000+ clusters cost nothing more), works in the
/// plain-HTTP mode, and kubeconfigs already written keep working unchanged.
struct LocalKubeResponder: HTTPResponder {
    typealias Context = LocalKubeRequestContext
    let registry: ClusterRegistry

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        let authorization = request.headers[.authorization] ?? ""
        let cluster: LocalKubeCluster
        let subpath: String
        let user: UserInfo
        if path.hasPrefix("/clusters/") {
            let rest = path.dropFirst("/clusters/".count)
            let clusterName = String(rest.prefix { $0 != "/" })
            subpath = String(rest.dropFirst(clusterName.count))
            guard let named = registry.get(clusterName) else { return Self.write(.error(.pageNotFound)) }
            guard authorization.hasPrefix("Bearer "), let known = named.authenticate(token: String(authorization.dropFirst("Bearer ".count))) else {
                return Self.write(.error(.unauthorized()))
            }
            cluster = named
            user = known
        } else {
            guard authorization.hasPrefix("Bearer ") else { return Self.write(.error(.pageNotFound)) }
            guard let (owner, known) = registry.authenticate(token: String(authorization.dropFirst("Bearer ".count))) else {
                return Self.write(.error(.unauthorized()))
            }
            cluster = owner
            user = known
            subpath = path
        }
        let body: [UInt8]
        if request.method == .get || request.method == .head {
            body = []
        } else {
            do {
                body = Array(try await request.body.collect(upTo: StorageLimits.maxRequestBytes).readableBytesView)
            } catch is NIOTooManyBytesError {
                return Self.write(.error(StorageLimits.requestTooLarge))
            }
        }
        let apiRequest = APIRequest(
            method: request.method.rawValue, path: subpath.isEmpty ? "/" : subpath, query: Self.query(request.uri.query),
            contentType: request.headers[.contentType], accept: request.headers[.accept],
            userAgent: request.headers[.userAgent], body: body, user: user,
            impersonation: Self.impersonation(request.headers))
        let response = await cluster.handle(apiRequest)
        if case .dropConnection = response.body {
            context.channel.close(promise: nil)
            throw CancellationError()
        }
        return Self.write(response)
    }

    static func write(_ response: APIResponse) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = response.contentType
        headers[.cacheControl] = "no-cache, private"
        for (name, value) in response.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        switch response.body {
        case .bytes(let bytes):
            return Response(status: .init(code: response.status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        case .stream(let stream):
            headers[.contentType] = "application/json"
            headers[.transferEncoding] = nil
            return Response(status: .init(code: response.status), headers: headers, body: ResponseBody { writer in
                for await chunk in stream {
                    try await writer.write(ByteBuffer(bytes: chunk))
                }
                try await writer.finish(nil)
            })
        case .dropConnection:
            return Response(status: .serviceUnavailable)
        }
    }

    /// What the `Impersonate-*` headers ask, if any (the headers are copied only then: every
    /// request of a fleet passes here).
    static func impersonation(_ headers: HTTPFields) -> ImpersonationRequest? {
        guard headers.contains(where: { $0.name.canonicalName.hasPrefix("impersonate-") }) else { return nil }
        return ImpersonationRequest(headers: headers.map { ($0.name.canonicalName, $0.value) })
    }

    /// Query parameters, percent-decoded; the last value of a repeated name wins.
    static func query(_ text: String?) -> [String: String] {
        guard let text, !text.isEmpty else { return [:] }
        var result: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(parts[1])) : ""
            result[name] = value
        }
        return result
    }
}
