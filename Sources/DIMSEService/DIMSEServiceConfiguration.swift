public import Archive

/// How the archive's DIMSE SCP admits associations.
public struct DIMSEServiceConfiguration: Sendable {
    /// The archive's AE title (DESIGN §7: `NUAGE`): what peers call, and what it calls with as a C-MOVE SCU.
    public var aeTitle: String
    /// Whether an association whose calling AE title is not registered is accepted into `unknownCallersTenant`
    /// (logged with a warning) or rejected (calling AE title not recognised), the default: an unknown node could
    /// otherwise query and retrieve that establishment's studies.
    public var acceptsUnknownCallingAETitles: Bool
    /// The establishment that unregistered callers store into and query, when they are accepted.
    public var unknownCallersTenant: TenantID
    /// Whether an association calling another AE title than `aeTitle` is rejected (called AE title not
    /// recognised).
    public var checksCalledAETitle: Bool
    /// Whether every association must present a verified user identity (user name and passcode, or a JWT). When
    /// false, an identity is verified when presented (and the association rejected if it fails) but not required.
    public var requiresUserIdentity: Bool
    /// The most matches one C-FIND answers; a query matching more is refused with A700 (out of resources) and a
    /// comment asking to narrow it, instead of a long, arbitrary part of the answer.
    public var maximumFindResults: Int

    public init(
        aeTitle: String = "NUAGE", acceptsUnknownCallingAETitles: Bool = false,
        unknownCallersTenant: TenantID = .defaultTenant, checksCalledAETitle: Bool = true,
        requiresUserIdentity: Bool = false, maximumFindResults: Int = 10_000
    ) {
        self.aeTitle = aeTitle
        self.acceptsUnknownCallingAETitles = acceptsUnknownCallingAETitles
        self.unknownCallersTenant = unknownCallersTenant
        self.checksCalledAETitle = checksCalledAETitle
        self.requiresUserIdentity = requiresUserIdentity
        self.maximumFindResults = max(1, maximumFindResults)
    }
}
