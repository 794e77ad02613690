public import DICOMCore

/// A DIMSE-C message's command, typed by its command field.
///
/// PS3.7 §9.3: the request and response primitives of C-ECHO, C-STORE, C-FIND, C-MOVE, C-GET and C-CANCEL. The
/// data set (instance, identifier) travels after the command and is not part of these values.
public enum DIMSEMessage: Hashable, Sendable {
    case echoRequest(CEchoRequest)
    case echoResponse(CEchoResponse)
    case storeRequest(CStoreRequest)
    case storeResponse(CStoreResponse)
    case findRequest(CFindRequest)
    case findResponse(CFindResponse)
    case moveRequest(CMoveRequest)
    case moveResponse(CRetrieveResponse)
    case getRequest(CGetRequest)
    case getResponse(CRetrieveResponse)
    case cancelRequest(CCancelRequest)

    /// Sorts a decoded command set by its command field; throws `invalidCommand` for required fields missing or
    /// an unsupported command field.
    public init(_ command: CommandSet) throws(DICOMNetworkError) {
        switch command.commandField {
        case .cEchoRequest: self = .echoRequest(try CEchoRequest(command))
        case .cEchoResponse: self = .echoResponse(try CEchoResponse(command))
        case .cStoreRequest: self = .storeRequest(try CStoreRequest(command))
        case .cStoreResponse: self = .storeResponse(try CStoreResponse(command))
        case .cFindRequest: self = .findRequest(try CFindRequest(command))
        case .cFindResponse: self = .findResponse(try CFindResponse(command))
        case .cMoveRequest: self = .moveRequest(try CMoveRequest(command))
        case .cMoveResponse: self = .moveResponse(try CRetrieveResponse(command))
        case .cGetRequest: self = .getRequest(try CGetRequest(command))
        case .cGetResponse: self = .getResponse(try CRetrieveResponse(command))
        case .cCancelRequest: self = .cancelRequest(try CCancelRequest(command))
        default: throw DICOMNetworkError(.invalidCommand, "unsupported \(command.commandField)")
        }
    }

    /// The command set that encodes the message.
    public var commandSet: CommandSet {
        switch self {
        case .echoRequest(let message): message.commandSet
        case .echoResponse(let message): message.commandSet
        case .storeRequest(let message): message.commandSet
        case .storeResponse(let message): message.commandSet
        case .findRequest(let message): message.commandSet
        case .findResponse(let message): message.commandSet
        case .moveRequest(let message): message.commandSet
        case .moveResponse(let message): message.commandSet
        case .getRequest(let message): message.commandSet
        case .getResponse(let message): message.commandSet
        case .cancelRequest(let message): message.commandSet
        }
    }
}

/// The Verification SOP Class (PS3.4 Annex A).
public let verificationSOPClassUID: UID = "1.2.840.10008.1.1"

extension CommandSet {
    fileprivate func required<Value>(_ value: Value?, _ name: String) throws(DICOMNetworkError) -> Value {
        guard let value else { throw DICOMNetworkError(.invalidCommand, "\(commandField) without \(name)") }
        return value
    }
}

/// C-ECHO-RQ (PS3.7 §9.3.5.1).
public struct CEchoRequest: Hashable, Sendable {
    public var messageID: UInt16
    public var affectedSOPClassUID: UID

    public init(messageID: UInt16, affectedSOPClassUID: UID = verificationSOPClassUID) {
        self.messageID = messageID
        self.affectedSOPClassUID = affectedSOPClassUID
    }

    init(_ command: CommandSet) throws(DICOMNetworkError) {
        messageID = try command.required(command.messageID, "Message ID")
        affectedSOPClassUID = command.affectedSOPClassUID ?? verificationSOPClassUID
    }

    public var commandSet: CommandSet {
        var command = CommandSet(commandField: .cEchoRequest, hasDataSet: false)
        command.messageID = messageID
        command.affectedSOPClassUID = affectedSOPClassUID
        return command
    }
}

/// C-ECHO-RSP (PS3.7 §9.3.5.2).
public struct CEchoResponse: Hashable, Sendable {
    public var messageIDBeingRespondedTo: UInt16
    public var affectedSOPClassUID: UID
    public var status: DIMSEStatus

    public init(messageIDBeingRespondedTo: UInt16, status: DIMSEStatus, affectedSOPClassUID: UID = verificationSOPClassUID) {
        self.messageIDBeingRespondedTo = messageIDBeingRespondedTo
        self.status = status
        self.affectedSOPClassUID = affectedSOPClassUID
    }

    init(_ command: CommandSet) throws(DICOMNetworkError) {
        messageIDBeingRespondedTo = try command.required(command.messageIDBeingRespondedTo, "Message ID Being Responded To")
        status = try command.required(command.status, "Status")
        affectedSOPClassUID = command.affectedSOPClassUID ?? verificationSOPClassUID
    }

    public var commandSet: CommandSet {
        var command = CommandSet(commandField: .cEchoResponse, hasDataSet: false)
        command.messageIDBeingRespondedTo = messageIDBeingRespondedTo
        command.affectedSOPClassUID = affectedSOPClassUID
        command.status = status
        return command
    }
}

/// C-STORE-RQ (PS3.7 §9.3.1.1); the instance follows as the data set.
public struct CStoreRequest: Hashable, Sendable {
    public var messageID: UInt16
    public var affectedSOPClassUID: UID
    public var affectedSOPInstanceUID: UID
    public var priority: DIMSEPriority
    /// Set when the store is a C-MOVE sub-operation: who asked for the move, and its message ID.
    public var moveOriginatorAETitle: String?
    public var moveOriginatorMessageID: UInt16?

    public init(
        messageID: UInt16, affectedSOPClassUID: UID, affectedSOPInstanceUID: UID, priority: DIMSEPriority = .medium,
        moveOriginatorAETitle: String? = nil, moveOriginatorMessageID: UInt16? = nil
    ) {
        self.messageID = messageID
        self.affectedSOPClassUID = affectedSOPClassUID
        self.affectedSOPInstanceUID = affectedSOPInstanceUID
        self.priority = priority
        self.moveOriginatorAETitle = moveOriginatorAETitle
        self.moveOriginatorMessageID = moveOriginatorMessageID
    }

    init(_ command: CommandSet) throws(DICOMNetworkError) {
        messageID = try command.required(command.messageID, "Message ID")
        affectedSOPClassUID = try command.required(command.affectedSOPClassUID, "Affected SOP Class UID")
        affectedSOPInstanceUID = try command.required(command.affectedSOPInstanceUID, "Affected SOP Instance UID")
        priority = command.priority ?? .medium
        moveOriginatorAETitle = command.moveOriginatorAETitle
        moveOriginatorMessageID = command.moveOriginatorMessageID
        guard command.hasDataSet else { throw DICOMNetworkError(.invalidCommand, "C-STORE-RQ without data set") }
    }

    public var commandSet: CommandSet {
        var command = CommandSet(commandField: .cStoreRequest, hasDataSet: true)
        command.messageID = messageID
        command.affectedSOPClassUID = affectedSOPClassUID
        command.affectedSOPInstanceUID = affectedSOPInstanceUID
        command.priority = priority
        command.moveOriginatorAETitle = moveOriginatorAETitle
        command.moveOriginatorMessageID = moveOriginatorMessageID
        return command
    }
}

/// C-STORE-RSP (PS3.7 §9.3.1.2).
public struct CStoreResponse: Hashable, Sendable {
    public var messageIDBeingRespondedTo: UInt16
    public var affectedSOPClassUID: UID?
    public var affectedSOPInstanceUID: UID?
    public var status: DIMSEStatus
    public var errorComment: String?

    public init(
        messageIDBeingRespondedTo: UInt16, status: DIMSEStatus, affectedSOPClassUID: UID? = nil,
        affectedSOPInstanceUID: UID? = nil, errorComment: String? = nil
    ) {
        self.messageIDBeingRespondedTo = messageIDBeingRespondedTo
        self.status = status
        self.affectedSOPClassUID = affectedSOPClassUID
        self.affectedSOPInstanceUID = affectedSOPInstanceUID
        self.errorComment = errorComment
    }

    init(_ command: CommandSet) throws(DICOMNetworkError) {
        messageIDBeingRespondedTo = try command.required(command.messageIDBeingRespondedTo, "Message ID Being Responded To")
        status = try command.required(command.status, "Status")
        affectedSOPClassUID = command.affectedSOPClassUID
        affectedSOPInstanceUID = command.affectedSOPInstanceUID
        errorComment = command.errorComment
    }

    public var commandSet: CommandSet {
        var command = CommandSet(commandField: .cStoreResponse, hasDataSet: false)
        command.messageIDBeingRespondedTo = messageIDBeingRespondedTo
        command.affectedSOPClassUID = affectedSOPClassUID
        command.affectedSOPInstanceUID = affectedSOPInstanceUID
        command.status = status
        command.errorComment = errorComment
        return command
    }
}

/// C-FIND-RQ (PS3.7 §9.3.2.1); the identifier follows as the data set.
public struct CFindRequest: Hashable, Sendable {
    public var messageID: UInt16
    public var affectedSOPClassUID: UID
    public var priority: DIMSEPriority

    public init(messageID: UInt16, affectedSOPClassUID: UID, priority: DIMSEPriority = .medium) {
        self.messageID = messageID
        self.affectedSOPClassUID = affectedSOPClassUID
        self.priority = priority
    }

    init(_ command: CommandSet) throws(DICOMNetworkError) {
        messageID = try command.required(command.messageID, "Message ID")
        affectedSOPClassUID = try command.required(command.affectedSOPClassUID, "Affected SOP Class UID")
        priority = command.priority ?? .medium
        guard command.hasDataSet else { throw DICOMNetworkError(.invalidCommand, "C-FIND-RQ without identifier") }
    }

    public var commandSet: CommandSet {
        var command = CommandSet(commandField: .cFindRequest, hasDataSet: true)
        command.messageID = messageID
        command.affectedSOPClassUID = affectedSOPClassUID
        command.priority = priority
        return command
    }
}

/// C-FIND-RSP (PS3.7 §9.3.2.2); pending responses carry an identifier.
public struct CFindResponse: Hashable, Sendable {
    public var messageIDBeingRespondedTo: UInt16
    public var affectedSOPClassUID: UID?
    public var status: DIMSEStatus
    public var hasIdentifier: Bool

    public init(messageIDBeingRespondedTo: UInt16, status: DIMSEStatus, affectedSOPClassUID: UID?, hasIdentifier: Bool) {
        self.messageIDBeingRespondedTo = messageIDBeingRespondedTo
        self.status = status
        self.affectedSOPClassUID = affectedSOPClassUID
        self.hasIdentifier = hasIdentifier
    }

    init(_ command: CommandSet) throws(DICOMNetworkError) {
        messageIDBeingRespondedTo = try command.required(command.messageIDBeingRespondedTo, "Message ID Being Responded To")
        status = try command.required(command.status, "Status")
        affectedSOPClassUID = command.affectedSOPClassUID
        hasIdentifier = command.hasDataSet
    }

    public var commandSet: CommandSet {
        var command = CommandSet(commandField: .cFindResponse, hasDataSet: hasIdentifier)
        command.messageIDBeingRespondedTo = messageIDBeingRespondedTo
        command.affectedSOPClassUID = affectedSOPClassUID
        command.status = status
        return command
    }
}

/// C-MOVE-RQ (PS3.7 §9.3.4.1); the identifier follows as the data set.
public struct CMoveRequest: Hashable, Sendable {
    public var messageID: UInt16
    public var affectedSOPClassUID: UID
    public var priority: DIMSEPriority
    public var moveDestination: String

    public init(messageID: UInt16, affectedSOPClassUID: UID, moveDestination: String, priority: DIMSEPriority = .medium) {
        self.messageID = messageID
        self.affectedSOPClassUID = affectedSOPClassUID
        self.moveDestination = moveDestination
        self.priority = priority
    }

    init(_ command: CommandSet) throws(DICOMNetworkError) {
        messageID = try command.required(command.messageID, "Message ID")
        affectedSOPClassUID = try command.required(command.affectedSOPClassUID, "Affected SOP Class UID")
        moveDestination = try command.required(command.moveDestination, "Move Destination")
        priority = command.priority ?? .medium
        guard command.hasDataSet else { throw DICOMNetworkError(.invalidCommand, "C-MOVE-RQ without identifier") }
    }

    public var commandSet: CommandSet {
        var command = CommandSet(commandField: .cMoveRequest, hasDataSet: true)
        command.messageID = messageID
        command.affectedSOPClassUID = affectedSOPClassUID
        command.priority = priority
        command.moveDestination = moveDestination
        return command
    }
}

/// C-GET-RQ (PS3.7 §9.3.3.1); the identifier follows as the data set.
public struct CGetRequest: Hashable, Sendable {
    public var messageID: UInt16
    public var affectedSOPClassUID: UID
    public var priority: DIMSEPriority

    public init(messageID: UInt16, affectedSOPClassUID: UID, priority: DIMSEPriority = .medium) {
        self.messageID = messageID
        self.affectedSOPClassUID = affectedSOPClassUID
        self.priority = priority
    }

    init(_ command: CommandSet) throws(DICOMNetworkError) {
        messageID = try command.required(command.messageID, "Message ID")
        affectedSOPClassUID = try command.required(command.affectedSOPClassUID, "Affected SOP Class UID")
        priority = command.priority ?? .medium
        guard command.hasDataSet else { throw DICOMNetworkError(.invalidCommand, "C-GET-RQ without identifier") }
    }

    public var commandSet: CommandSet {
        var command = CommandSet(commandField: .cGetRequest, hasDataSet: true)
        command.messageID = messageID
        command.affectedSOPClassUID = affectedSOPClassUID
        command.priority = priority
        return command
    }
}

/// Sub-operation counts of C-MOVE and C-GET responses (PS3.7 §9.1.3.1.8–11, §9.1.4.1.8–11).
public struct SubOperationCounts: Hashable, Sendable {
    public var remaining: UInt16?
    public var completed: UInt16
    public var failed: UInt16
    public var warning: UInt16

    public init(remaining: UInt16? = nil, completed: UInt16 = 0, failed: UInt16 = 0, warning: UInt16 = 0) {
        self.remaining = remaining
        self.completed = completed
        self.failed = failed
        self.warning = warning
    }
}

/// C-MOVE-RSP and C-GET-RSP (PS3.7 §9.3.4.2, §9.3.3.2); a final failure may carry an identifier listing the
/// Failed SOP Instance UID List.
public struct CRetrieveResponse: Hashable, Sendable {
    /// `.cMoveResponse` or `.cGetResponse`.
    public var commandField: CommandField
    public var messageIDBeingRespondedTo: UInt16
    public var affectedSOPClassUID: UID?
    public var status: DIMSEStatus
    public var subOperations: SubOperationCounts
    public var hasIdentifier: Bool

    public init(
        commandField: CommandField, messageIDBeingRespondedTo: UInt16, status: DIMSEStatus, affectedSOPClassUID: UID?,
        subOperations: SubOperationCounts, hasIdentifier: Bool = false
    ) {
        self.commandField = commandField
        self.messageIDBeingRespondedTo = messageIDBeingRespondedTo
        self.status = status
        self.affectedSOPClassUID = affectedSOPClassUID
        self.subOperations = subOperations
        self.hasIdentifier = hasIdentifier
    }

    init(_ command: CommandSet) throws(DICOMNetworkError) {
        commandField = command.commandField
        messageIDBeingRespondedTo = try command.required(command.messageIDBeingRespondedTo, "Message ID Being Responded To")
        status = try command.required(command.status, "Status")
        affectedSOPClassUID = command.affectedSOPClassUID
        subOperations = SubOperationCounts(
            remaining: command.numberOfRemainingSubOperations, completed: command.numberOfCompletedSubOperations ?? 0,
            failed: command.numberOfFailedSubOperations ?? 0, warning: command.numberOfWarningSubOperations ?? 0)
        hasIdentifier = command.hasDataSet
    }

    public var commandSet: CommandSet {
        var command = CommandSet(commandField: commandField, hasDataSet: hasIdentifier)
        command.messageIDBeingRespondedTo = messageIDBeingRespondedTo
        command.affectedSOPClassUID = affectedSOPClassUID
        command.status = status
        command.numberOfRemainingSubOperations = subOperations.remaining
        command.numberOfCompletedSubOperations = subOperations.completed
        command.numberOfFailedSubOperations = subOperations.failed
        command.numberOfWarningSubOperations = subOperations.warning
        return command
    }
}

/// C-CANCEL-RQ (PS3.7 §9.3.2.3): stop the C-FIND, C-MOVE or C-GET with that message ID.
public struct CCancelRequest: Hashable, Sendable {
    public var messageIDBeingRespondedTo: UInt16

    public init(messageIDBeingRespondedTo: UInt16) {
        self.messageIDBeingRespondedTo = messageIDBeingRespondedTo
    }

    init(_ command: CommandSet) throws(DICOMNetworkError) {
        messageIDBeingRespondedTo = try command.required(command.messageIDBeingRespondedTo, "Message ID Being Responded To")
    }

    public var commandSet: CommandSet {
        var command = CommandSet(commandField: .cCancelRequest, hasDataSet: false)
        command.messageIDBeingRespondedTo = messageIDBeingRespondedTo
        return command
    }
}
