/// The labels addon-manager puts on every object it applies, and reads back to find its own
/// objects (inventory, pruning). One place for the controller and the catalog.
public enum OwnershipLabels {
    /// `app.kubernetes.io/managed-by: addon-manager`.
    public static let managedByKey = "app.kubernetes.io/managed-by"
    public static let managedByValue = "addon-manager"
    /// The addon's name.
    public static let addonNameKey = "addons.addon-manager.io/name"
    /// The addon's version that rendered the object.
    public static let addonVersionKey = "addons.addon-manager.io/version"
    /// The server-side apply field manager addon-manager uses.
    public static let fieldManager = "addon-manager"

    /// The labels for one addon version.
    public static func labels(addon: String, version: SemanticVersion) -> [String: String] {
        [managedByKey: managedByValue, addonNameKey: addon, addonVersionKey: version.description]
    }

    /// The label selector string that finds an addon's objects (any version).
    public static func selector(addon: String) -> String {
        "\(managedByKey)=\(managedByValue),\(addonNameKey)=\(addon)"
    }
}
