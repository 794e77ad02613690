/// What an ingest did: the archive now holds the instance durably, in the index and the blob store.
public struct IngestResult: Sendable {
    /// How the instance relates to what was stored before.
    public enum Disposition: String, Hashable, Sendable, CaseIterable {
        /// A new instance.
        case stored
        /// The same bytes were already stored: nothing changed.
        case alreadyStored
        /// Other content under this SOP Instance UID was stored first and kept; the new content was discarded.
        case keptFirst
        /// The new content replaced the previous version, which stays recorded.
        case replaced
    }

    public var disposition: Disposition
    public var tenant: TenantID
    /// What the index keeps of the instance, as extracted from the received object.
    public var attributes: InstanceAttributes
    /// Where the instance's content is now: the new object, or for `alreadyStored` and `keptFirst` the one stored
    /// before.
    public var object: StoredObject
    /// Bytes received.
    public var receivedBytes: Int64
    public var warnings: [IngestWarning]
    /// The most memory the header reader held at once for this object.
    public var peakHeaderBytes: Int

    public init(
        disposition: Disposition, tenant: TenantID, attributes: InstanceAttributes, object: StoredObject,
        receivedBytes: Int64, warnings: [IngestWarning], peakHeaderBytes: Int
    ) {
        self.disposition = disposition
        self.tenant = tenant
        self.attributes = attributes
        self.object = object
        self.receivedBytes = receivedBytes
        self.warnings = warnings
        self.peakHeaderBytes = peakHeaderBytes
    }
}
