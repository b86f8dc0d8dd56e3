import KubernetesModel

/// What a cluster's controller remembers of one object it applied, so that a resync of an
/// idle fleet (every object of every cluster, every few minutes) reads and compares only the
/// objects that changed. The drift check's finding holds while the object's content
/// (`ObservedObject.contentFingerprint`: all but status) is the same; health's, while its
/// resourceVersion is.
struct AppliedObjectMemo: Sendable {
    /// The fingerprint of our applied fields as the server answered them (a hash, not the
    /// fields: a fleet remembers this for every object of every cluster).
    var fingerprint: String
    /// The content fingerprint with which the object was last found to carry `fingerprint`, and
    /// by which addon's check: an object two addons render is compared by each with its own
    /// fields (one addon's apply may drop the other's), so one's finding proves nothing for the other.
    var verified: (content: String, addon: String)?
    /// Its health as last evaluated from the object (`KindHealth`), and at which version.
    private var healthAt: String?
    private var healthState: HealthState = .unknown
    private var healthMessage = ""

    init(fingerprint: String) { self.fingerprint = fingerprint }

    func health(at resourceVersion: String, of reference: ObjectReference) -> ObjectHealth? {
        guard healthAt == resourceVersion else { return nil }
        return ObjectHealth(reference: reference, state: healthState, message: healthMessage)
    }

    mutating func remember(_ health: ObjectHealth, at resourceVersion: String) {
        healthAt = resourceVersion
        healthState = health.state
        healthMessage = health.message
    }
}
