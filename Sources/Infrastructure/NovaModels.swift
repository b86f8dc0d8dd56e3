import Foundation

/// Nova's server representation (microversion 2.79), as much of it as `Server` needs.
struct NovaServer: Decodable {
    struct Address: Decodable {
        var addr: String
    }
    struct Fault: Decodable {
        var code: Int?
        var message: String?
    }

    var id: String
    var name: String
    var status: String
    var addresses: [String: [Address]]?
    var fault: Fault?
    var metadata: [String: String]?
    var created: String?
    var availabilityZone: String?
    var taskState: String?

    enum CodingKeys: String, CodingKey {
        case id, name, status, addresses, fault, metadata, created
        case availabilityZone = "OS-EXT-AZ:availability_zone"
        case taskState = "OS-EXT-STS:task_state"
    }

    var server: Server {
        Server(
            id: id, name: name, state: ServerState(novaStatus: status, taskState: taskState),
            addresses: (addresses ?? [:]).keys.sorted().flatMap { addresses?[$0]?.map(\.addr) ?? [] },
            fault: fault?.message.flatMap { $0.isEmpty ? nil : $0 },
            availabilityZone: availabilityZone.flatMap { $0.isEmpty ? nil : $0 },
            metadata: metadata ?? [:], created: created.flatMap(OpenStackTime.parse))
    }

    struct One: Decodable { var server: NovaServer }
    struct Page: Decodable { var servers: [NovaServer] }
    struct Created: Decodable {
        struct Reference: Decodable { var id: String }
        var server: Reference
    }
}

extension ServerState {
    /// Nova's `status` (and `OS-EXT-STS:task_state`: a server being deleted keeps its status a while).
    init(novaStatus: String, taskState: String? = nil) {
        if taskState == "deleting" {
            self = .deleting
            return
        }
        switch novaStatus.uppercased() {
        case "BUILD", "REBUILD": self = .building
        case "ACTIVE", "REBOOT", "HARD_REBOOT", "PASSWORD", "MIGRATING", "RESIZE", "VERIFY_RESIZE", "REVERT_RESIZE":
            self = .active
        case "ERROR": self = .error
        case "SHUTOFF", "STOPPED", "PAUSED", "SUSPENDED", "SHELVED", "SHELVED_OFFLOADED": self = .shutoff
        case "DELETED", "SOFT_DELETED": self = .deleting
        default: self = .unknown  // UNKNOWN, RESCUE, and anything newer
        }
    }
}

/// `GET /os-server-groups` and `POST /os-server-groups` (microversion ≥ 2.64: one `policy`).
struct NovaServerGroup: Decodable {
    var id: String
    var name: String
    var policy: String?
    struct One: Decodable { var server_group: NovaServerGroup }
    struct Page: Decodable { var server_groups: [NovaServerGroup] }
}

/// `GET /flavors`.
struct NovaFlavors: Decodable {
    struct Flavor: Decodable { var id: String; var name: String }
    var flavors: [Flavor]
}

/// `GET /v2/images?name=` (Glance) and `GET /v2.0/networks?name=` (Neutron): ID, name, status.
struct NamedResources: Decodable {
    struct Item: Decodable { var id: String; var name: String?; var status: String? }
    var images: [Item]?
    var networks: [Item]?
    var items: [Item] { images ?? networks ?? [] }
}
