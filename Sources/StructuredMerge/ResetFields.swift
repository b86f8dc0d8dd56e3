/// The fields an endpoint resets, which the field manager must neither give to the writer nor
/// count as conflicts (the API server's `ResetFieldsStrategy`). Pass one as `ignoredFields`.
public enum ResetFields {
    /// Writes to the main resource of a kind with a status subresource leave `status` alone.
    public static let mainResourceWithStatus = FieldSet([FieldPath(fields: "status")])

    /// Writes to `/status` of a built-in kind leave everything but `status` alone (`metadata` and `spec`).
    public static let statusSubresource = FieldSet([FieldPath(fields: "metadata"), FieldPath(fields: "spec")])

    /// Writes to `/status` of a custom resource: v1.24's apiextensions declares only `spec` as
    /// reset (metadata a status write sends is still dropped by the strategy, but it is owned).
    public static let customResourceStatus = FieldSet([FieldPath(fields: "spec")])

    /// Kinds without a status subresource reset nothing.
    public static let none = FieldSet()
}
