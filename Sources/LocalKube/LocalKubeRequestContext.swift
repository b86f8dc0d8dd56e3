import Hummingbird
import NIOCore

/// Request context giving the responder the connection (to close it when a cluster is unreachable).
struct LocalKubeRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// CRDs of a few hundred KB and large applies must fit.
    var maxUploadSize: Int { 32 * 1024 * 1024 }
}
