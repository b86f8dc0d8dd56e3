import Foundation
import NIOCore
import ServiceLifecycle

/// One of the manager's HTTP servers, named by the flag that sets its port: when it cannot
/// listen (the port is taken, below 1024 without the privilege, a host that is not this
/// machine's), the error says which address, which flag, and why, instead of NIO's bare
/// `bind(descriptor:ptr:bytes:): Address already in use (errno: 98)`.
struct ListenerService<Server: Service>: Service {
    let server: Server
    let flag: String
    let host: String
    let port: Int

    func run() async throws {
        do {
            try await server.run()
        } catch let error as IOError where "\(error)".hasPrefix("bind(") {
            throw ListenError(flag: flag, host: host, port: port, errno: error.errnoCode)
        }
    }
}

/// An address one of the manager's servers cannot listen on.
struct ListenError: Error, CustomStringConvertible, Equatable {
    let flag: String
    let host: String
    let port: Int
    let errno: Int32

    var description: String {
        let why: String
        switch errno {
        case EADDRINUSE: why = "the port is already in use by another process; choose another with \(flag)"
        case EACCES: why = "permission denied (ports below 1024 need privileges); choose another with \(flag)"
        case EADDRNOTAVAIL: why = "\(host) is not an address of this machine"
        default: why = String(cString: strerror(errno))
        }
        return "cannot listen on \(host):\(port) (\(flag)): \(why)"
    }
}
