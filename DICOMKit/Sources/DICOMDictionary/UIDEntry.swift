public import DICOMCore

/// One UID of the PS3.6 registry of DICOM unique identifiers (PS3.6 Annex A).
public struct UIDEntry: Sendable, Hashable {
    /// The identifier.
    public let uid: UID
    /// The PS3.6 name, such as `CT Image Storage`.
    public let name: String
    /// The PS3.6 keyword, such as `CTImageStorage`; empty for the few retired UIDs PS3.6 leaves without one.
    public let keyword: String
    /// What the UID identifies.
    public let kind: Kind
    /// Whether PS3.6 lists the UID as retired.
    public let isRetired: Bool

    /// The UID type column of PS3.6 Table A-1.
    public enum Kind: Sendable, Hashable {
        case transferSyntax
        case sopClass
        case metaSOPClass
        case wellKnownSOPInstance
        case wellKnownFrameOfReference
        case codingScheme
        case applicationContextName
        case ldapOID
        case synchronizationFrameOfReference
        /// A type without a case of its own (`Service Class`, `Application Hosting Model`…), as PS3.6 writes it.
        case other(String)
    }

    init(uid: UID, name: String, keyword: String, kind: Kind, isRetired: Bool) {
        self.uid = uid
        self.name = name
        self.keyword = keyword
        self.kind = kind
        self.isRetired = isRetired
    }
}
