/// The fields an endpoint resets, which the field manager must neither give to the writer nor
/// count as conflicts (the API server's `ResetFieldsStrategy`). Pass one as `ignoredFields`.
public enum ResetFields {
    /// Writes to the main resource of a kind with a status subresource leave `status` alone.
    public static let mainResourceWithStatus = FieldSet([FieldPath(fields: "status")])

    /// Writes to `/status` leave everything but `status` alone (`metadata` and `spec`).
    public static let statusSubresource = FieldSet([FieldPath(fields: "metadata"), FieldPath(fields: "spec")])

    /// Kinds without a status subresource reset nothing.
    public static let none = FieldSet()
}
