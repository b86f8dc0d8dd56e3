import KubernetesModel
import StructuredMerge

/// A PersistentVolumeClaim's spec as the v1.24 server's `ValidatePersistentVolumeClaimSpec`
/// checks it: at least one access mode, each supported (ReadWriteOncePod sits behind a feature
/// gate that is off in v1.24), a positive storage request, the class name a DNS subdomain and
/// the volume mode supported.
enum ClaimValidation {
    static let accessModes = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce"]
    static let volumeModes = ["Block", "Filesystem"]

    static func errors(_ claim: JSONValue) -> FieldErrors {
        var errors = FieldErrors()
        let spec = claim["spec"]
        let modes = (spec["accessModes"].arrayValue ?? []).map { $0.stringValue ?? "" }
        if modes.isEmpty { errors.required("spec.accessModes", "at least 1 access mode is required") }
        for mode in modes where !accessModes.contains(mode) {
            errors.notSupported("spec.accessModes", mode, accessModes)
        }
        let field = "spec.resources[storage]"
        let request = spec["resources"]["requests"]["storage"]
        if request.isNull {
            errors.required(field)
        } else if let text = request.stringValue ?? (try? Quantity.canonical(request)), let quantity = try? Quantity(parsing: text),
                  quantity.isNegative || quantity.isZero {
            errors.invalid(field, .string(quantity.description), "must be greater than zero")
        }
        if let className = spec["storageClassName"].stringValue, !className.isEmpty {
            if className.utf8.count > 253 { errors.invalid("spec.storageClassName", .string(className), "must be no more than 253 characters") }
            if !ObjectValidation.isSubdomain(String(className.prefix(253))) {
                errors.invalid("spec.storageClassName", .string(className), ObjectValidation.subdomainMessage)
            }
        }
        if let mode = spec["volumeMode"].stringValue, !volumeModes.contains(mode) {
            errors.notSupported("spec.volumeMode", mode, volumeModes)
        }
        return errors
    }
}
