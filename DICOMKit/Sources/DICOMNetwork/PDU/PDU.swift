public import DICOMCore
public import NIOCore

/// A protocol data unit of the DICOM Upper Layer.
///
/// PS3.8 §9.3. Encoded by `encode(into:)`, decoded by `PDUDecoder`.
public enum PDU: Hashable, Sendable {
    case associateRequest(AssociateRequest)
    case associateAccept(AssociateAccept)
    case associateReject(AssociateReject)
    case data(DataTransfer)
    case releaseRequest
    case releaseResponse
    case abort(Abort)

    /// The PDU type byte (PS3.8 Table 9-11 and following).
    public var type: UInt8 {
        switch self {
        case .associateRequest: 0x01
        case .associateAccept: 0x02
        case .associateReject: 0x03
        case .data: 0x04
        case .releaseRequest: 0x05
        case .releaseResponse: 0x06
        case .abort: 0x07
        }
    }
}

/// The DICOM application context name, the only one PS3.7 Annex A defines.
public let dicomApplicationContextName: UID = "1.2.840.10008.3.1.1.1"

/// An A-ASSOCIATE-RQ PDU: who calls whom, the proposed presentation contexts and the user information.
///
/// PS3.8 §9.3.2.
public struct AssociateRequest: Hashable, Sendable {
    /// Bit 0 set means version 1, the only one defined.
    public var protocolVersion: UInt16
    public var calledAETitle: String
    public var callingAETitle: String
    public var applicationContextName: UID
    public var presentationContexts: [PresentationContextProposal]
    public var userInformation: UserInformation

    public init(
        calledAETitle: String, callingAETitle: String, presentationContexts: [PresentationContextProposal],
        userInformation: UserInformation, applicationContextName: UID = dicomApplicationContextName,
        protocolVersion: UInt16 = 1
    ) {
        self.protocolVersion = protocolVersion
        self.calledAETitle = calledAETitle
        self.callingAETitle = callingAETitle
        self.applicationContextName = applicationContextName
        self.presentationContexts = presentationContexts
        self.userInformation = userInformation
    }
}

/// An A-ASSOCIATE-AC PDU: the result for every proposed presentation context and the acceptor's user information.
///
/// PS3.8 §9.3.3. The AE title fields echo the request's (PS3.8 says they are not tested).
public struct AssociateAccept: Hashable, Sendable {
    public var protocolVersion: UInt16
    public var calledAETitle: String
    public var callingAETitle: String
    public var applicationContextName: UID
    public var presentationContexts: [PresentationContextResult]
    public var userInformation: UserInformation

    public init(
        calledAETitle: String, callingAETitle: String, presentationContexts: [PresentationContextResult],
        userInformation: UserInformation, applicationContextName: UID = dicomApplicationContextName,
        protocolVersion: UInt16 = 1
    ) {
        self.protocolVersion = protocolVersion
        self.calledAETitle = calledAETitle
        self.callingAETitle = callingAETitle
        self.applicationContextName = applicationContextName
        self.presentationContexts = presentationContexts
        self.userInformation = userInformation
    }
}

/// A proposed presentation context: an abstract syntax and the transfer syntaxes the requestor can use for it.
///
/// PS3.8 §9.3.2.2. Context IDs are odd, 1–255.
public struct PresentationContextProposal: Hashable, Sendable {
    public var id: UInt8
    public var abstractSyntax: UID
    public var transferSyntaxes: [UID]

    public init(id: UInt8, abstractSyntax: UID, transferSyntaxes: [UID]) {
        self.id = id
        self.abstractSyntax = abstractSyntax
        self.transferSyntaxes = transferSyntaxes
    }
}

/// The acceptor's answer for one presentation context.
///
/// PS3.8 §9.3.3.2. The transfer syntax is meaningful only when the result is acceptance.
public struct PresentationContextResult: Hashable, Sendable {
    /// Result/reason of PS3.8 Table 9-18.
    public enum Result: UInt8, Hashable, Sendable {
        case acceptance = 0
        case userRejection = 1
        case noReason = 2
        case abstractSyntaxNotSupported = 3
        case transferSyntaxesNotSupported = 4
    }

    public var id: UInt8
    public var result: Result
    public var transferSyntax: UID

    public init(id: UInt8, result: Result, transferSyntax: UID) {
        self.id = id
        self.result = result
        self.transferSyntax = transferSyntax
    }

    public var isAccepted: Bool { result == .acceptance }
}

/// An A-ASSOCIATE-RJ PDU.
///
/// PS3.8 §9.3.4, Table 9-21: the reason's meaning depends on its source.
public struct AssociateReject: Hashable, Sendable {
    public enum Result: UInt8, Hashable, Sendable {
        case permanent = 1
        case transient = 2
    }

    /// Source and reason together, as PS3.8 Table 9-21 pairs them.
    public enum Reason: Hashable, Sendable {
        case serviceUser(ServiceUserReason)
        case serviceProviderACSE(ACSEReason)
        case serviceProviderPresentation(PresentationReason)

        public enum ServiceUserReason: UInt8, Hashable, Sendable {
            case noReasonGiven = 1
            case applicationContextNameNotSupported = 2
            case callingAETitleNotRecognized = 3
            case calledAETitleNotRecognized = 7
        }

        public enum ACSEReason: UInt8, Hashable, Sendable {
            case noReasonGiven = 1
            case protocolVersionNotSupported = 2
        }

        public enum PresentationReason: UInt8, Hashable, Sendable {
            case temporaryCongestion = 1
            case localLimitExceeded = 2
        }
    }

    public var result: Result
    public var reason: Reason

    public init(result: Result, reason: Reason) {
        self.result = result
        self.reason = reason
    }
}

/// A P-DATA-TF PDU: one or more presentation data values.
///
/// PS3.8 §9.3.5.
public struct DataTransfer: Hashable, Sendable {
    public var values: [PresentationDataValue]

    public init(values: [PresentationDataValue]) {
        self.values = values
    }
}

/// A fragment of a DIMSE message's command or data set, on one presentation context.
///
/// PS3.8 §9.3.5.1 and Annex E.2 (the message control header).
public struct PresentationDataValue: Hashable, Sendable {
    public var contextID: UInt8
    /// True for a fragment of the command set, false for the data set.
    public var isCommand: Bool
    /// True on the last fragment of the command or of the data set.
    public var isLast: Bool
    public var data: ByteBuffer

    public init(contextID: UInt8, isCommand: Bool, isLast: Bool, data: ByteBuffer) {
        self.contextID = contextID
        self.isCommand = isCommand
        self.isLast = isLast
        self.data = data
    }

    /// The number of bytes the PDV item takes in a P-DATA-TF PDU: length field, context ID, header, data.
    public var encodedLength: Int { 6 + data.readableBytes }
}

/// An A-ABORT PDU.
///
/// PS3.8 §9.3.8, Table 9-26.
public struct Abort: Hashable, Sendable {
    public enum Source: UInt8, Hashable, Sendable {
        case serviceUser = 0
        case reserved = 1
        case serviceProvider = 2
    }

    public var source: Source
    /// Meaningful when the source is the service provider; 0 otherwise.
    public var reason: AbortReason

    public init(source: Source, reason: AbortReason = .notSpecified) {
        self.source = source
        self.reason = reason
    }
}

/// The reason of a service-provider A-ABORT (PS3.8 Table 9-26).
public enum AbortReason: UInt8, Hashable, Sendable {
    case notSpecified = 0
    case unrecognizedPDU = 1
    case unexpectedPDU = 2
    case unrecognizedPDUParameter = 4
    case unexpectedPDUParameter = 5
    case invalidPDUParameterValue = 6
}
