public import DICOMCore
public import NIOCore

/// The command field of a DIMSE message (PS3.7 §E.1, Table E.1-1).
public struct CommandField: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    public static let cStoreRequest = CommandField(rawValue: 0x0001)
    public static let cStoreResponse = CommandField(rawValue: 0x8001)
    public static let cGetRequest = CommandField(rawValue: 0x0010)
    public static let cGetResponse = CommandField(rawValue: 0x8010)
    public static let cFindRequest = CommandField(rawValue: 0x0020)
    public static let cFindResponse = CommandField(rawValue: 0x8020)
    public static let cMoveRequest = CommandField(rawValue: 0x0021)
    public static let cMoveResponse = CommandField(rawValue: 0x8021)
    public static let cEchoRequest = CommandField(rawValue: 0x0030)
    public static let cEchoResponse = CommandField(rawValue: 0x8030)
    public static let cCancelRequest = CommandField(rawValue: 0x0FFF)

    public var isResponse: Bool { rawValue & 0x8000 != 0 }

    public var description: String {
        switch self {
        case .cStoreRequest: "C-STORE-RQ"
        case .cStoreResponse: "C-STORE-RSP"
        case .cGetRequest: "C-GET-RQ"
        case .cGetResponse: "C-GET-RSP"
        case .cFindRequest: "C-FIND-RQ"
        case .cFindResponse: "C-FIND-RSP"
        case .cMoveRequest: "C-MOVE-RQ"
        case .cMoveResponse: "C-MOVE-RSP"
        case .cEchoRequest: "C-ECHO-RQ"
        case .cEchoResponse: "C-ECHO-RSP"
        case .cCancelRequest: "C-CANCEL-RQ"
        default: "command 0x\(String(rawValue, radix: 16))"
        }
    }
}

/// The priority of a request (PS3.7 §9.1.1.1.7).
public enum DIMSEPriority: UInt16, Hashable, Sendable {
    case medium = 0x0000
    case high = 0x0001
    case low = 0x0002
}

/// A DIMSE command set: the group 0000 elements of a message, decoded into typed fields.
///
/// PS3.7 §6.3 and §E.1: always encoded in Implicit VR Little Endian, Command Group Length first. Elements this
/// type does not know (retired ones, N-service fields) are skipped when decoding; a command set of more than
/// `maximumEncodedLength` bytes is refused before it is buffered (see `MessageAssembler`).
public struct CommandSet: Hashable, Sendable {
    public var commandField: CommandField
    public var messageID: UInt16?
    public var messageIDBeingRespondedTo: UInt16?
    public var affectedSOPClassUID: UID?
    public var requestedSOPClassUID: UID?
    public var affectedSOPInstanceUID: UID?
    public var requestedSOPInstanceUID: UID?
    public var priority: DIMSEPriority?
    /// Command Data Set Type: whether a data set follows (any value but 0x0101).
    public var hasDataSet: Bool
    public var status: DIMSEStatus?
    public var offendingElements: [Tag]
    public var errorComment: String?
    public var errorID: UInt16?
    public var moveDestination: String?
    public var moveOriginatorAETitle: String?
    public var moveOriginatorMessageID: UInt16?
    public var numberOfRemainingSubOperations: UInt16?
    public var numberOfCompletedSubOperations: UInt16?
    public var numberOfFailedSubOperations: UInt16?
    public var numberOfWarningSubOperations: UInt16?

    /// A generous bound for a command set: real ones are a few hundred bytes.
    public static let maximumEncodedLength = 64 * 1024

    public init(commandField: CommandField, hasDataSet: Bool) {
        self.commandField = commandField
        self.hasDataSet = hasDataSet
        self.offendingElements = []
    }

    /// Encodes the command set in Implicit VR Little Endian with its group length (PS3.7 §6.3.1).
    public func encoded() -> ByteBuffer {
        var body = ByteBuffer()
        if let affectedSOPClassUID { body.writeCommandElement(0x0002, uid: affectedSOPClassUID) }
        if let requestedSOPClassUID { body.writeCommandElement(0x0003, uid: requestedSOPClassUID) }
        body.writeCommandElement(0x0100, integer: commandField.rawValue)
        if let messageID { body.writeCommandElement(0x0110, integer: messageID) }
        if let messageIDBeingRespondedTo { body.writeCommandElement(0x0120, integer: messageIDBeingRespondedTo) }
        if let moveDestination { body.writeCommandElement(0x0600, aeTitle: moveDestination) }
        if let priority { body.writeCommandElement(0x0700, integer: priority.rawValue) }
        body.writeCommandElement(0x0800, integer: hasDataSet ? 0x0000 : 0x0101)
        if let status { body.writeCommandElement(0x0900, integer: status.rawValue) }
        if !offendingElements.isEmpty {
            body.writeCommandElement(0x0901, length: 4 * offendingElements.count) { buffer in
                for tag in offendingElements {
                    buffer.writeInteger(tag.group, endianness: .little)
                    buffer.writeInteger(tag.element, endianness: .little)
                }
            }
        }
        if let errorComment { body.writeCommandElement(0x0902, text: errorComment, padding: UInt8(ascii: " ")) }
        if let errorID { body.writeCommandElement(0x0903, integer: errorID) }
        if let affectedSOPInstanceUID { body.writeCommandElement(0x1000, uid: affectedSOPInstanceUID) }
        if let requestedSOPInstanceUID { body.writeCommandElement(0x1001, uid: requestedSOPInstanceUID) }
        if let numberOfRemainingSubOperations { body.writeCommandElement(0x1020, integer: numberOfRemainingSubOperations) }
        if let numberOfCompletedSubOperations { body.writeCommandElement(0x1021, integer: numberOfCompletedSubOperations) }
        if let numberOfFailedSubOperations { body.writeCommandElement(0x1022, integer: numberOfFailedSubOperations) }
        if let numberOfWarningSubOperations { body.writeCommandElement(0x1023, integer: numberOfWarningSubOperations) }
        if let moveOriginatorAETitle { body.writeCommandElement(0x1030, aeTitle: moveOriginatorAETitle) }
        if let moveOriginatorMessageID { body.writeCommandElement(0x1031, integer: moveOriginatorMessageID) }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(12 + body.readableBytes)
        buffer.writeCommandElement(0x0000, length: 4) { $0.writeInteger(UInt32(body.readableBytes), endianness: .little) }
        buffer.writeImmutableBuffer(body)
        return buffer
    }

    /// Decodes a command set (Implicit VR Little Endian, group 0000 only).
    ///
    /// Throws `invalidCommand` for an element outside group 0000, a value that overruns the buffer, a value of
    /// the wrong size, or a missing Command Field.
    public init(decoding bytes: ByteBuffer) throws(DICOMNetworkError) {
        var buffer = bytes
        var commandField: CommandField?
        var hasDataSet = false
        var set = CommandSet(commandField: CommandField(rawValue: 0), hasDataSet: false)
        while buffer.readableBytes > 0 {
            guard let group = buffer.readInteger(endianness: .little, as: UInt16.self),
                let element = buffer.readInteger(endianness: .little, as: UInt16.self),
                let length = buffer.readInteger(endianness: .little, as: UInt32.self),
                length <= UInt32(buffer.readableBytes), var value = buffer.readSlice(length: Int(length))
            else { throw DICOMNetworkError(.invalidCommand, "command element overruns the command set") }
            guard group == 0x0000 else {
                throw DICOMNetworkError(.invalidCommand, "element (\(hex(group)),\(hex(element))) in a command set")
            }
            switch element {
            case 0x0002: set.affectedSOPClassUID = value.commandUID()
            case 0x0003: set.requestedSOPClassUID = value.commandUID()
            case 0x0100: commandField = CommandField(rawValue: try value.commandUInt16(element))
            case 0x0110: set.messageID = try value.commandUInt16(element)
            case 0x0120: set.messageIDBeingRespondedTo = try value.commandUInt16(element)
            case 0x0600: set.moveDestination = value.commandText()
            case 0x0700: set.priority = DIMSEPriority(rawValue: try value.commandUInt16(element)) ?? .medium
            case 0x0800: hasDataSet = try value.commandUInt16(element) != 0x0101
            case 0x0900: set.status = DIMSEStatus(rawValue: try value.commandUInt16(element))
            case 0x0901:
                while let group = value.readInteger(endianness: .little, as: UInt16.self),
                    let element = value.readInteger(endianness: .little, as: UInt16.self)
                {
                    set.offendingElements.append(Tag(group: group, element: element))
                }
            case 0x0902: set.errorComment = value.commandText()
            case 0x0903: set.errorID = try value.commandUInt16(element)
            case 0x1000: set.affectedSOPInstanceUID = value.commandUID()
            case 0x1001: set.requestedSOPInstanceUID = value.commandUID()
            case 0x1020: set.numberOfRemainingSubOperations = try value.commandUInt16(element)
            case 0x1021: set.numberOfCompletedSubOperations = try value.commandUInt16(element)
            case 0x1022: set.numberOfFailedSubOperations = try value.commandUInt16(element)
            case 0x1023: set.numberOfWarningSubOperations = try value.commandUInt16(element)
            case 0x1030: set.moveOriginatorAETitle = value.commandText()
            case 0x1031: set.moveOriginatorMessageID = try value.commandUInt16(element)
            default: break  // Group length, retired and N-service elements.
            }
        }
        guard let commandField else { throw DICOMNetworkError(.invalidCommand, "command set without Command Field") }
        set.commandField = commandField
        set.hasDataSet = hasDataSet
        self = set
    }
}

private func hex(_ value: UInt16) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: 4 - digits.count) + digits
}

extension ByteBuffer {
    fileprivate mutating func writeCommandElement(_ element: UInt16, length: Int, _ body: (inout ByteBuffer) -> Void) {
        writeInteger(UInt16(0), endianness: .little)
        writeInteger(element, endianness: .little)
        writeInteger(UInt32(length), endianness: .little)
        body(&self)
    }

    fileprivate mutating func writeCommandElement(_ element: UInt16, integer: UInt16) {
        writeCommandElement(element, length: 2) { $0.writeInteger(integer, endianness: .little) }
    }

    /// UI values are padded with NUL to an even length (PS3.5 §9.1).
    fileprivate mutating func writeCommandElement(_ element: UInt16, uid: UID) {
        writeCommandElement(element, text: uid.rawValue, padding: 0)
    }

    fileprivate mutating func writeCommandElement(_ element: UInt16, aeTitle: String) {
        writeCommandElement(element, text: aeTitle, padding: UInt8(ascii: " "))
    }

    fileprivate mutating func writeCommandElement(_ element: UInt16, text: String, padding: UInt8) {
        let count = text.utf8.count
        writeCommandElement(element, length: count + count % 2) {
            $0.writeString(text)
            if count % 2 == 1 { $0.writeInteger(padding) }
        }
    }

    fileprivate func commandUInt16(_ element: UInt16) throws(DICOMNetworkError) -> UInt16 {
        guard readableBytes == 2, let value = getInteger(at: readerIndex, endianness: .little, as: UInt16.self) else {
            throw DICOMNetworkError(.invalidCommand, "(0000,\(hex(element))) of \(readableBytes) bytes, not 2")
        }
        return value
    }

    /// Text with its padding (NUL, spaces) removed on both ends.
    fileprivate func commandText() -> String {
        var bytes = readableBytesView[...]
        while let last = bytes.last, last == 0 || last == UInt8(ascii: " ") { bytes.removeLast() }
        while let first = bytes.first, first == UInt8(ascii: " ") { bytes.removeFirst() }
        return String(decoding: bytes, as: UTF8.self)
    }

    fileprivate func commandUID() -> UID { UID(commandText()) }
}
