/// An establishment (hospital, cancer centre, practice) whose data the archive keeps apart from every other's.
///
/// A short slug of lower-case ASCII letters, digits and hyphens (1–63 characters): it appears in index rows, blob
/// keys, URLs and logs, so it must be safe in all of them.
public struct TenantID: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    /// Nil when the text is not a valid slug.
    public init?(rawValue: String) {
        let utf8 = rawValue.utf8
        guard (1...63).contains(utf8.count), utf8.first != UInt8(ascii: "-"),
            utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == UInt8(ascii: "-") })
        else { return nil }
        self.rawValue = rawValue
    }

    /// The tenant created on first start of an empty archive (DESIGN §7).
    public static let defaultTenant = TenantID(validated: "default")

    private init(validated: String) { self.rawValue = validated }

    public var description: String { rawValue }

    public static func < (lhs: TenantID, rhs: TenantID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Who is calling: a person, a machine with an API key, a DICOM application entity, or the archive itself.
public struct Principal: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        case user, apiKey, applicationEntity, system
    }

    public var kind: Kind
    /// The user name, key identifier, AE title or service name.
    public var identifier: String

    public init(kind: Kind, identifier: String) {
        self.kind = kind
        self.identifier = identifier
    }

    public var description: String { "\(kind.rawValue):\(identifier)" }
}

/// What a principal does in its establishment; policy decides what each role may reach.
public enum Role: String, Hashable, Sendable, Codable, CaseIterable {
    case radiologist, technologist, referringPhysician, establishmentAdministrator, serviceOperator, modality
}

/// Why data is being reached (the HL7 purpose-of-use vocabulary, reduced to what the archive distinguishes).
public enum PurposeOfUse: String, Hashable, Sendable {
    case treatment, operations, emergency, audit
}

/// Everything the archive knows about a call: who, from which establishment, in which roles, why, from where.
///
/// Every entry point of the archive takes one. It is turned into an `AccessScope` by the `AccessPolicy`; stores
/// only ever see scopes, so no query or blob access can forget the caller.
public struct AccessContext: Hashable, Sendable {
    public var tenant: TenantID
    public var principal: Principal
    public var roles: Set<Role>
    public var purposeOfUse: PurposeOfUse
    /// The reason given for a break-the-glass access, which is allowed to clinicians, logged and flagged.
    public var breakGlassReason: String?
    /// Where the call comes from: an IP address, or an AE title and address.
    public var origin: String?

    public init(
        tenant: TenantID, principal: Principal, roles: Set<Role>, purposeOfUse: PurposeOfUse = .treatment,
        breakGlassReason: String? = nil, origin: String? = nil
    ) {
        self.tenant = tenant
        self.principal = principal
        self.roles = roles
        self.purposeOfUse = purposeOfUse
        self.breakGlassReason = breakGlassReason
        self.origin = origin
    }

    /// The archive acting for itself in one tenant: imports from the command line, reconciliation, verification.
    public static func system(_ tenant: TenantID, task: String) -> AccessContext {
        AccessContext(
            tenant: tenant, principal: Principal(kind: .system, identifier: task),
            roles: [.serviceOperator], purposeOfUse: .operations)
    }
}
