public import DICOMCore
public import NIOCore

/// The User Information item of A-ASSOCIATE-RQ and -AC and its sub-items.
///
/// PS3.8 §9.3.2.3 and §D.3.3 (PS3.7 Annex D): maximum length, implementation identification, asynchronous
/// operations window, SCP/SCU role selection, SOP class (common) extended negotiation and user identity.
/// Sub-items this module does not know are kept as `unknownItems` so that nothing is silently lost.
public struct UserInformation: Hashable, Sendable {
    /// The largest P-DATA-TF PDU (its variable field) this side receives; 0 means no limit (PS3.8 §D.1).
    public var maximumLength: UInt32
    public var implementationClassUID: UID
    public var implementationVersionName: String?
    public var asynchronousOperationsWindow: AsynchronousOperationsWindow?
    public var roleSelections: [RoleSelection]
    public var extendedNegotiations: [ExtendedNegotiation]
    public var commonExtendedNegotiations: [CommonExtendedNegotiation]
    public var userIdentityRequest: UserIdentityRequest?
    public var userIdentityResponse: UserIdentityResponse?
    /// Sub-items of other types, kept as (type, value bytes).
    public var unknownItems: [UnknownItem]

    public init(
        maximumLength: UInt32, implementationClassUID: UID, implementationVersionName: String? = nil,
        asynchronousOperationsWindow: AsynchronousOperationsWindow? = nil, roleSelections: [RoleSelection] = [],
        extendedNegotiations: [ExtendedNegotiation] = [], commonExtendedNegotiations: [CommonExtendedNegotiation] = [],
        userIdentityRequest: UserIdentityRequest? = nil, userIdentityResponse: UserIdentityResponse? = nil,
        unknownItems: [UnknownItem] = []
    ) {
        self.maximumLength = maximumLength
        self.implementationClassUID = implementationClassUID
        self.implementationVersionName = implementationVersionName
        self.asynchronousOperationsWindow = asynchronousOperationsWindow
        self.roleSelections = roleSelections
        self.extendedNegotiations = extendedNegotiations
        self.commonExtendedNegotiations = commonExtendedNegotiations
        self.userIdentityRequest = userIdentityRequest
        self.userIdentityResponse = userIdentityResponse
        self.unknownItems = unknownItems
    }

    /// A sub-item of a type this module does not interpret.
    public struct UnknownItem: Hashable, Sendable {
        public var type: UInt8
        public var value: ByteBuffer

        public init(type: UInt8, value: ByteBuffer) {
            self.type = type
            self.value = value
        }
    }
}

/// The asynchronous operations window: how many operations each side may have outstanding (PS3.7 §D.3.3.3).
public struct AsynchronousOperationsWindow: Hashable, Sendable {
    /// 0 means unlimited.
    public var maximumInvoked: UInt16
    public var maximumPerformed: UInt16

    public init(maximumInvoked: UInt16, maximumPerformed: UInt16) {
        self.maximumInvoked = maximumInvoked
        self.maximumPerformed = maximumPerformed
    }
}

/// SCP/SCU role selection for one SOP class (PS3.7 §D.3.3.4): C-GET needs the requestor to act as a storage SCP.
public struct RoleSelection: Hashable, Sendable {
    public var sopClassUID: UID
    public var scuRole: Bool
    public var scpRole: Bool

    public init(sopClassUID: UID, scuRole: Bool, scpRole: Bool) {
        self.sopClassUID = sopClassUID
        self.scuRole = scuRole
        self.scpRole = scpRole
    }
}

/// SOP class extended negotiation: service-class-specific bytes for one SOP class (PS3.7 §D.3.3.5).
public struct ExtendedNegotiation: Hashable, Sendable {
    public var sopClassUID: UID
    public var applicationInformation: ByteBuffer

    public init(sopClassUID: UID, applicationInformation: ByteBuffer) {
        self.sopClassUID = sopClassUID
        self.applicationInformation = applicationInformation
    }
}

/// SOP class common extended negotiation (PS3.7 §D.3.3.6): a SOP class's service class and related general classes.
public struct CommonExtendedNegotiation: Hashable, Sendable {
    public var sopClassUID: UID
    public var serviceClassUID: UID
    public var relatedGeneralSOPClassUIDs: [UID]

    public init(sopClassUID: UID, serviceClassUID: UID, relatedGeneralSOPClassUIDs: [UID] = []) {
        self.sopClassUID = sopClassUID
        self.serviceClassUID = serviceClassUID
        self.relatedGeneralSOPClassUIDs = relatedGeneralSOPClassUIDs
    }
}

/// User identity negotiation, request side (PS3.7 §D.3.3.7.1).
public struct UserIdentityRequest: Hashable, Sendable {
    public enum Kind: UInt8, Hashable, Sendable {
        case username = 1
        case usernameAndPasscode = 2
        case kerberos = 3
        case saml = 4
        case jwt = 5
    }

    public var kind: Kind
    public var positiveResponseRequested: Bool
    public var primaryField: ByteBuffer
    /// The passcode for `usernameAndPasscode`; empty otherwise.
    public var secondaryField: ByteBuffer

    public init(kind: Kind, positiveResponseRequested: Bool, primaryField: ByteBuffer, secondaryField: ByteBuffer = ByteBuffer()) {
        self.kind = kind
        self.positiveResponseRequested = positiveResponseRequested
        self.primaryField = primaryField
        self.secondaryField = secondaryField
    }

    /// A username (UTF-8), optionally with a passcode.
    public static func username(_ username: String, passcode: String? = nil, positiveResponseRequested: Bool = false)
        -> UserIdentityRequest
    {
        UserIdentityRequest(
            kind: passcode == nil ? .username : .usernameAndPasscode,
            positiveResponseRequested: positiveResponseRequested, primaryField: ByteBuffer(string: username),
            secondaryField: ByteBuffer(string: passcode ?? ""))
    }

    /// A JSON Web Token.
    public static func jwt(_ token: String, positiveResponseRequested: Bool = false) -> UserIdentityRequest {
        UserIdentityRequest(
            kind: .jwt, positiveResponseRequested: positiveResponseRequested, primaryField: ByteBuffer(string: token))
    }

    /// The primary field as text (username or token), decoded as UTF-8.
    public var primaryText: String { String(buffer: primaryField) }

    /// The secondary field as text (passcode).
    public var secondaryText: String { String(buffer: secondaryField) }
}

/// User identity negotiation, acceptor side (PS3.7 §D.3.3.7.2): the server response (empty for username kinds).
public struct UserIdentityResponse: Hashable, Sendable {
    public var serverResponse: ByteBuffer

    public init(serverResponse: ByteBuffer = ByteBuffer()) {
        self.serverResponse = serverResponse
    }
}
