import KubernetesModel
import StructuredMerge

/// A pod's volumes and its containers' volume mounts as the server's core validation checks
/// them: exactly one source per volume (in the server's order of sources, with its field names,
/// `downwarAPI` and `cephFS` included), the rules of the common sources (configMap, secret,
/// projected, emptyDir, hostPath, nfs, persistentVolumeClaim, csi, downwardAPI modes), and
/// mounts that name a valid volume, a unique mount path and a relative subPath.
enum PodVolumeValidation {
    static let fileModeMessage = "must be a number between 0 and 0777 (octal), both inclusive"
    static let moreThanOne = "may not specify more than 1 volume type"

    /// Every source a volume may name, in the order the server checks them, with the field name
    /// it reports a second source under.
    static let sources: [(json: String, reported: String)] = [
        ("emptyDir", "emptyDir"), ("hostPath", "hostPath"), ("gitRepo", "gitRepo"), ("gcePersistentDisk", "gcePersistentDisk"),
        ("awsElasticBlockStore", "awsElasticBlockStore"), ("secret", "secret"), ("nfs", "nfs"), ("iscsi", "iscsi"),
        ("glusterfs", "glusterfs"), ("flocker", "flocker"), ("persistentVolumeClaim", "persistentVolumeClaim"), ("rbd", "rbd"),
        ("cinder", "cinder"), ("cephfs", "cephFS"), ("quobyte", "quobyte"), ("downwardAPI", "downwarAPI"), ("fc", "fc"),
        ("flexVolume", "flexVolume"), ("configMap", "configMap"), ("azureFile", "azureFile"), ("vsphereVolume", "vsphereVolume"),
        ("photonPersistentDisk", "photonPersistentDisk"), ("portworxVolume", "portworxVolume"), ("azureDisk", "azureDisk"),
        ("storageos", "storageos"), ("projected", "projected"), ("scaleIO", "scaleIO"), ("csi", "csi"), ("ephemeral", "ephemeral"),
    ]

    static let hostPathTypes = ["", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"]
    static let mountPropagations = ["Bidirectional", "HostToContainer", "None"]

    /// `ValidateVolumes`: the names of the volumes that are valid (mounts may name only those).
    static func volumes(_ volumes: [JSONValue], path: String, errors: inout FieldErrors) -> Set<String> {
        var names = Set<String>()
        for (i, volume) in volumes.enumerated() {
            let at = "\(path)[\(i)]"
            var own = sourceErrors(volume, path: at)
            let name = volume["name"].stringValue ?? ""
            if name.isEmpty {
                own.required("\(at).name")
            } else {
                PodSpecValidation.label(name, "\(at).name", &own)
            }
            if names.contains(name) { own.duplicate("\(at).name", .string(name)) }
            if own.isEmpty { names.insert(name) } else { errors.append(contentsOf: own) }
        }
        return names
    }

    /// `validateVolumeSource`: one source, checked; each further one refused.
    private static func sourceErrors(_ volume: JSONValue, path: String) -> FieldErrors {
        var errors = FieldErrors()
        var count = 0
        for source in sources where !volume[source.json].isNull {
            if count > 0 {
                errors.forbidden("\(path).\(source.reported)", moreThanOne)
                continue
            }
            count += 1
            let value = volume[source.json], at = "\(path).\(source.json)"
            switch source.json {
            case "emptyDir":
                if let limit = quantity(value["sizeLimit"]), limit.isNegative {
                    errors.forbidden("\(at).sizeLimit", "SizeLimit field must be a valid resource quantity")
                }
            case "hostPath":
                let hostPath = value["path"].stringValue ?? ""
                if hostPath.isEmpty {
                    errors.required("\(at).path")
                    continue
                }
                noBacksteps(hostPath, "\(at).path", &errors)
                if let type = value["type"].stringValue, !hostPathTypes.contains(type) {
                    errors.notSupported("\(at).type", type, hostPathTypes)
                }
            case "secret":
                if (value["secretName"].stringValue ?? "").isEmpty { errors.required("\(at).secretName") }
                mode(value["defaultMode"], "\(at).defaultMode", &errors)
                for (j, item) in (value["items"].arrayValue ?? []).enumerated() { keyToPath(item, "\(at).items[\(j)]", &errors) }
            case "configMap":
                if (value["name"].stringValue ?? "").isEmpty { errors.required("\(at).name") }
                mode(value["defaultMode"], "\(at).defaultMode", &errors)
                for (j, item) in (value["items"].arrayValue ?? []).enumerated() { keyToPath(item, "\(at).items[\(j)]", &errors) }
            case "nfs":
                let nfsPath = value["path"].stringValue ?? ""
                if (value["server"].stringValue ?? "").isEmpty { errors.required("\(at).server") }
                if nfsPath.isEmpty { errors.required("\(at).path") }
                if !nfsPath.hasPrefix("/") { errors.invalid("\(at).path", .string(nfsPath), "must be an absolute path") }
            case "persistentVolumeClaim":
                if (value["claimName"].stringValue ?? "").isEmpty { errors.required("\(at).claimName") }
            case "downwardAPI":
                mode(value["defaultMode"], "\(at).defaultMode", &errors)
            case "projected":
                mode(value["defaultMode"], "\(at).defaultMode", &errors)
                projectionErrors(value["sources"].arrayValue ?? [], path: at, errors: &errors)
            case "csi":
                if (value["driver"].stringValue ?? "").isEmpty { errors.required("\(at).driver") }
            default:
                break
            }
        }
        if count == 0 { errors.required(path, "must specify a volume type") }
        return errors
    }

    /// `validateProjectionSources`: names, items, service account tokens, one kind per source, no path twice.
    private static func projectionErrors(_ sources: [JSONValue], path: String, errors: inout FieldErrors) {
        var paths = Set<String>()
        for (i, source) in sources.enumerated() {
            let at = "\(path).sources[\(i)]"
            var kinds = 0
            for kind in ["secret", "configMap"] where !source[kind].isNull {
                kinds += 1
                let name = source[kind]["name"].stringValue ?? ""
                if name.isEmpty { errors.required("\(at).\(kind).name") }
                for (j, item) in (source[kind]["items"].arrayValue ?? []).enumerated() {
                    keyToPath(item, "\(at).\(kind).items[\(j)]", &errors)
                    if let itemPath = item["path"].stringValue, !itemPath.isEmpty, !paths.insert(itemPath).inserted {
                        errors.invalid(path, .string(name), "conflicting duplicate paths")
                    }
                }
            }
            if !source["downwardAPI"].isNull {
                kinds += 1
                for item in source["downwardAPI"]["items"].arrayValue ?? [] {
                    if let itemPath = item["path"].stringValue, !itemPath.isEmpty, !paths.insert(itemPath).inserted {
                        errors.invalid(path, .string(itemPath), "conflicting duplicate paths")
                    }
                }
            }
            if !source["serviceAccountToken"].isNull {
                kinds += 1
                let token = source["serviceAccountToken"]
                let seconds = token["expirationSeconds"].intValue ?? 3600
                if seconds < 600 {
                    errors.invalid("\(at).serviceAccountToken.expirationSeconds", .int(seconds), "may not specify a duration less than 10 minutes")
                }
                if seconds > 1 << 32 {
                    errors.invalid("\(at).serviceAccountToken.expirationSeconds", .int(seconds), "may not specify a duration larger than 2^32 seconds")
                }
                let tokenPath = token["path"].stringValue ?? ""
                // The server reports these under the volume's `path`, not the source's.
                if tokenPath.isEmpty { errors.required("\(path).path") } else { localNonReservedPath(tokenPath, "\(path).path", &errors) }
            }
            if kinds > 1 { errors.forbidden(at, moreThanOne) }
        }
    }

    /// `validateKeyToPath`.
    private static func keyToPath(_ item: JSONValue, _ path: String, _ errors: inout FieldErrors) {
        if (item["key"].stringValue ?? "").isEmpty { errors.required("\(path).key") }
        let itemPath = item["path"].stringValue ?? ""
        if itemPath.isEmpty { errors.required("\(path).path") }
        localNonReservedPath(itemPath, "\(path).path", &errors)
        mode(item["mode"], "\(path).mode", &errors)
    }

    private static func mode(_ value: JSONValue, _ field: String, _ errors: inout FieldErrors) {
        if let mode = value.intValue, mode < 0 || mode > 0o777 { errors.invalid(field, .int(mode), fileModeMessage) }
    }

    private static func quantity(_ value: JSONValue) -> Quantity? {
        guard let text = value.stringValue ?? (try? Quantity.canonical(value)) else { return nil }
        return try? Quantity(parsing: text)
    }

    // MARK: Paths

    /// `validatePathNoBacksteps`: no `..` element (one error however many).
    static func noBacksteps(_ path: String, _ field: String, _ errors: inout FieldErrors) {
        if path.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
            errors.invalid(field, .string(path), "must not contain '..'")
        }
    }

    /// `validateLocalDescendingPath`: relative, without `..` elements.
    static func localDescendingPath(_ path: String, _ field: String, _ errors: inout FieldErrors) {
        if path.hasPrefix("/") { errors.invalid(field, .string(path), "must be a relative path") }
        noBacksteps(path, field, &errors)
    }

    /// `ValidateLocalNonReservedPath`: a local descending path that does not start with `..`.
    static func localNonReservedPath(_ path: String, _ field: String, _ errors: inout FieldErrors) {
        localDescendingPath(path, field, &errors)
        if path.hasPrefix(".."), !path.hasPrefix("../") { errors.invalid(field, .string(path), "must not start with '..'") }
    }

    // MARK: Mounts

    /// `ValidateVolumeMounts` (the server reports subPath problems under `volumeMounts.subPath`, without the index).
    static func mounts(_ mounts: [JSONValue], volumes: Set<String>, privileged: Bool, path: String, errors: inout FieldErrors) {
        var mountPaths = Set<String>()
        for (i, mount) in mounts.enumerated() {
            let at = "\(path)[\(i)]"
            let name = mount["name"].stringValue ?? ""
            let mountPath = mount["mountPath"].stringValue ?? ""
            if name.isEmpty { errors.required("\(at).name") }
            if !volumes.contains(name) { errors.notFound("\(at).name", .string(name)) }
            if mountPath.isEmpty { errors.required("\(at).mountPath") }
            if !mountPaths.insert(mountPath).inserted { errors.invalid("\(at).mountPath", .string(mountPath), "must be unique") }
            let subPath = mount["subPath"].stringValue ?? ""
            if !subPath.isEmpty { localDescendingPath(subPath, "\(path).subPath", &errors) }
            if let expression = mount["subPathExpr"].stringValue, !expression.isEmpty {
                if !subPath.isEmpty {
                    errors.invalid("\(at).subPathExpr", .string(expression), "subPathExpr and subPath are mutually exclusive")
                }
                localDescendingPath(expression, "\(path).subPathExpr", &errors)
            }
            if let propagation = mount["mountPropagation"].stringValue {
                if !mountPropagations.contains(propagation) {
                    errors.notSupported("\(path).mountPropagation", propagation, mountPropagations)
                }
                if propagation == "Bidirectional", !privileged {
                    errors.forbidden("\(path).mountPropagation", "Bidirectional mount propagation is available only to privileged containers")
                }
            }
        }
    }
}
