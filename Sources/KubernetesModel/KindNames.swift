import Synchronization

/// One copy of each API group, version and kind name that a fleet's objects repeat: every
/// rendered object, inventory member and remembered reference of every cluster names its kind
/// ("ClusterRoleBinding", "rbac.authorization.k8s.io"), and a name longer than 15 bytes is a
/// heap string of its own each time it is parsed (shorter ones are kept inline and never shared).
/// Callers that keep a name ask for the shared copy (`GroupVersionKind.shared`, an inventory's
/// members); a name used and dropped is not looked up (a lock and a hash for nothing).
///
/// Bounded (`capacity` names): past it, names are returned as they came, which costs only the
/// sharing. A fleet's catalog names a few dozen kinds.
public enum KindNames {
    static let capacity = 4096
    private static let names = Mutex(Set<String>())

    /// The shared copy of `name` (equal to it).
    public static func shared(_ name: String) -> String {
        guard name.utf8.count > 15 else { return name }
        return names.withLock { names in
            if let known = names.firstIndex(of: name) { return names[known] }
            if names.count < capacity { names.insert(name) }
            return name
        }
    }
}
