public import NIOCore
import DICOMCore

/// A sans-I/O decoder of Upper Layer PDUs with a maximum PDU size.
///
/// PS3.8 §9.3. `next(_:)` returns a PDU once its bytes are all in the buffer and leaves the buffer untouched
/// (rewound) while they are not, like postgres-nio's message decoder. Lengths are checked before anything is
/// buffered: a P-DATA-TF longer than `maximumDataLength` or another PDU longer than `maximumAssociationLength`
/// throws `pduTooLong` as soon as its 6-byte header is in. Truncated items, wrong item types and invalid values
/// throw `DICOMNetworkError`; nothing traps.
public struct PDUDecoder: Sendable {
    /// The largest P-DATA-TF variable field accepted: the maximum length this side announced.
    public var maximumDataLength: UInt32
    /// The largest A-ASSOCIATE-RQ/AC/RJ, A-RELEASE or A-ABORT variable field accepted.
    public var maximumAssociationLength: UInt32

    public init(maximumDataLength: UInt32, maximumAssociationLength: UInt32 = 1 << 20) {
        self.maximumDataLength = maximumDataLength
        self.maximumAssociationLength = maximumAssociationLength
    }

    /// The next PDU, or nil when the buffer does not hold a whole one yet (nothing is consumed then).
    public func next(_ buffer: inout ByteBuffer) throws(DICOMNetworkError) -> PDU? {
        guard let type = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
            let length = buffer.getInteger(at: buffer.readerIndex + 2, as: UInt32.self)
        else { return nil }
        guard (0x01...0x07).contains(type) else {
            throw DICOMNetworkError(.unrecognizedPDU, "PDU type 0x\(String(type, radix: 16))")
        }
        let limit = type == 0x04 ? maximumDataLength : maximumAssociationLength
        if limit != 0 && length > limit {
            throw DICOMNetworkError(.pduTooLong, "PDU type \(type) of \(length) bytes, limit \(limit)")
        }
        guard buffer.readableBytes - 6 >= Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 6)
        guard var body = buffer.readSlice(length: Int(length)) else { return nil }
        return try Self.decode(type: type, body: &body)
    }

    /// Decodes one whole PDU from `bytes` (header included); throws if bytes are missing or left over.
    public func decode(_ bytes: ByteBuffer) throws(DICOMNetworkError) -> PDU {
        var buffer = bytes
        guard let pdu = try next(&buffer) else { throw DICOMNetworkError(.malformedPDU, "PDU truncated") }
        guard buffer.readableBytes == 0 else {
            throw DICOMNetworkError(.malformedPDU, "\(buffer.readableBytes) bytes after the PDU")
        }
        return pdu
    }

    private static func decode(type: UInt8, body: inout ByteBuffer) throws(DICOMNetworkError) -> PDU {
        switch type {
        case 0x01:
            let header = try AssociationHeader(&body)
            var applicationContext: UID?
            var contexts: [PresentationContextProposal] = []
            var userInformation: UserInformation?
            while body.readableBytes > 0 {
                var (itemType, item) = try body.readItem()
                switch itemType {
                case 0x10: applicationContext = try item.readUIDValue()
                case 0x20: contexts.append(try PresentationContextProposal(&item))
                case 0x50: userInformation = try UserInformation(&item)
                default: throw DICOMNetworkError(.unexpectedItem, "item 0x\(String(itemType, radix: 16)) in A-ASSOCIATE-RQ")
                }
            }
            guard let applicationContext, let userInformation else {
                throw DICOMNetworkError(.malformedPDU, "A-ASSOCIATE-RQ without application context or user information")
            }
            return .associateRequest(
                AssociateRequest(
                    calledAETitle: header.called, callingAETitle: header.calling, presentationContexts: contexts,
                    userInformation: userInformation, applicationContextName: applicationContext,
                    protocolVersion: header.version))
        case 0x02:
            let header = try AssociationHeader(&body)
            var applicationContext: UID?
            var contexts: [PresentationContextResult] = []
            var userInformation: UserInformation?
            while body.readableBytes > 0 {
                var (itemType, item) = try body.readItem()
                switch itemType {
                case 0x10: applicationContext = try item.readUIDValue()
                case 0x21: contexts.append(try PresentationContextResult(&item))
                case 0x50: userInformation = try UserInformation(&item)
                default: throw DICOMNetworkError(.unexpectedItem, "item 0x\(String(itemType, radix: 16)) in A-ASSOCIATE-AC")
                }
            }
            guard let applicationContext, let userInformation else {
                throw DICOMNetworkError(.malformedPDU, "A-ASSOCIATE-AC without application context or user information")
            }
            return .associateAccept(
                AssociateAccept(
                    calledAETitle: header.called, callingAETitle: header.calling, presentationContexts: contexts,
                    userInformation: userInformation, applicationContextName: applicationContext,
                    protocolVersion: header.version))
        case 0x03:
            guard body.readableBytes == 4, let bytes = body.readBytes(length: 4) else {
                throw DICOMNetworkError(.malformedPDU, "A-ASSOCIATE-RJ of \(body.readableBytes) bytes, not 4")
            }
            guard let result = AssociateReject.Result(rawValue: bytes[1]) else {
                throw DICOMNetworkError(.invalidParameter, "A-ASSOCIATE-RJ result \(bytes[1])")
            }
            let reason: AssociateReject.Reason? =
                switch bytes[2] {
                case 1: AssociateReject.Reason.ServiceUserReason(rawValue: bytes[3]).map { .serviceUser($0) }
                case 2: AssociateReject.Reason.ACSEReason(rawValue: bytes[3]).map { .serviceProviderACSE($0) }
                case 3: AssociateReject.Reason.PresentationReason(rawValue: bytes[3]).map { .serviceProviderPresentation($0) }
                default: nil
                }
            // Reserved reason codes are read as "no reason given" from the same source family (PS3.8 Table 9-21).
            let fallback: AssociateReject.Reason =
                bytes[2] == 3 ? .serviceProviderPresentation(.temporaryCongestion) : .serviceUser(.noReasonGiven)
            return .associateReject(AssociateReject(result: result, reason: reason ?? fallback))
        case 0x04:
            var values: [PresentationDataValue] = []
            while body.readableBytes > 0 {
                guard let length = body.readInteger(as: UInt32.self), length >= 2,
                    Int(length) <= body.readableBytes,
                    let contextID = body.readInteger(as: UInt8.self),
                    let header = body.readInteger(as: UInt8.self),
                    let data = body.readSlice(length: Int(length) - 2)
                else { throw DICOMNetworkError(.malformedPDU, "PDV item overruns its P-DATA-TF") }
                guard contextID & 1 == 1 else {
                    throw DICOMNetworkError(.invalidParameter, "PDV on even presentation context ID \(contextID)")
                }
                values.append(
                    PresentationDataValue(contextID: contextID, isCommand: header & 1 != 0, isLast: header & 2 != 0, data: data))
            }
            guard !values.isEmpty else { throw DICOMNetworkError(.malformedPDU, "P-DATA-TF without PDV") }
            return .data(DataTransfer(values: values))
        case 0x05, 0x06:
            guard body.readableBytes == 4 else {
                throw DICOMNetworkError(.malformedPDU, "A-RELEASE PDU of \(body.readableBytes) bytes, not 4")
            }
            return type == 0x05 ? .releaseRequest : .releaseResponse
        default:
            guard body.readableBytes == 4, let bytes = body.readBytes(length: 4) else {
                throw DICOMNetworkError(.malformedPDU, "A-ABORT of \(body.readableBytes) bytes, not 4")
            }
            let source = Abort.Source(rawValue: bytes[2]) ?? .serviceProvider
            return .abort(Abort(source: source, reason: AbortReason(rawValue: bytes[3]) ?? .notSpecified))
        }
    }
}

/// The fixed part of A-ASSOCIATE-RQ and -AC (PS3.8 Table 9-11).
private struct AssociationHeader {
    var version: UInt16
    var called: String
    var calling: String

    init(_ body: inout ByteBuffer) throws(DICOMNetworkError) {
        guard let version = body.readInteger(as: UInt16.self), body.readInteger(as: UInt16.self) != nil,
            let called = body.readBytes(length: 16), let calling = body.readBytes(length: 16),
            body.readBytes(length: 32) != nil
        else { throw DICOMNetworkError(.malformedPDU, "A-ASSOCIATE header shorter than 68 bytes") }
        self.version = version
        self.called = try Self.aeTitle(called)
        self.calling = try Self.aeTitle(calling)
    }

    /// Leading and trailing spaces are not significant (PS3.5 AE); control characters and backslash are invalid.
    private static func aeTitle(_ bytes: [UInt8]) throws(DICOMNetworkError) -> String {
        guard bytes.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\")) || $0 == 0 }) else {
            throw DICOMNetworkError(.invalidParameter, "AE title with control or non-ASCII characters")
        }
        let trimmed = bytes.split(separator: 0, omittingEmptySubsequences: false).first ?? []
        return String(decoding: trimmed, as: UTF8.self).trimmingSpaces
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var view = Substring(self)
        while view.first == " " { view.removeFirst() }
        while view.last == " " { view.removeLast() }
        return String(view)
    }
}

extension ByteBuffer {
    /// An item of the variable fields: type, reserved byte, 2-byte length, value (PS3.8 §9.3.2.1 and following).
    fileprivate mutating func readItem() throws(DICOMNetworkError) -> (UInt8, ByteBuffer) {
        guard let type = readInteger(as: UInt8.self), readInteger(as: UInt8.self) != nil,
            let length = readInteger(as: UInt16.self)
        else { throw DICOMNetworkError(.malformedPDU, "item header truncated") }
        guard let value = readSlice(length: Int(length)) else {
            throw DICOMNetworkError(.malformedPDU, "item 0x\(String(type, radix: 16)) of \(length) bytes overruns its PDU")
        }
        return (type, value)
    }

    /// The rest of the buffer as a UID, trailing NUL or space padding removed; checked for its shape.
    fileprivate mutating func readUIDValue() throws(DICOMNetworkError) -> UID {
        var bytes = readBytes(length: readableBytes) ?? []
        while let last = bytes.last, last == 0 || last == UInt8(ascii: " ") { bytes.removeLast() }
        let uid = UID(String(decoding: bytes, as: UTF8.self))
        guard uid.isWellFormed else {
            throw DICOMNetworkError(.invalidParameter, "malformed UID of \(bytes.count) bytes")
        }
        return uid
    }

    /// A 2-byte length then that many bytes.
    fileprivate mutating func readShortLengthPrefixed() throws(DICOMNetworkError) -> ByteBuffer {
        guard let length = readInteger(as: UInt16.self), let value = readSlice(length: Int(length)) else {
            throw DICOMNetworkError(.malformedPDU, "length-prefixed field overruns its sub-item")
        }
        return value
    }

    fileprivate mutating func readShortLengthPrefixedUID() throws(DICOMNetworkError) -> UID {
        var value = try readShortLengthPrefixed()
        return try value.readUIDValue()
    }

    fileprivate func requireEmpty(_ what: String) throws(DICOMNetworkError) {
        guard readableBytes == 0 else {
            throw DICOMNetworkError(.malformedPDU, "\(readableBytes) bytes left over in \(what)")
        }
    }
}

extension PresentationContextProposal {
    /// PS3.8 §9.3.2.2.
    fileprivate init(_ item: inout ByteBuffer) throws(DICOMNetworkError) {
        guard let id = item.readInteger(as: UInt8.self), item.readBytes(length: 3) != nil else {
            throw DICOMNetworkError(.malformedPDU, "presentation context item truncated")
        }
        guard id & 1 == 1 else { throw DICOMNetworkError(.invalidParameter, "even presentation context ID \(id)") }
        var abstractSyntax: UID?
        var transferSyntaxes: [UID] = []
        while item.readableBytes > 0 {
            var (type, value) = try item.readItem()
            switch type {
            case 0x30:
                guard abstractSyntax == nil else {
                    throw DICOMNetworkError(.unexpectedItem, "two abstract syntaxes in presentation context \(id)")
                }
                abstractSyntax = try value.readUIDValue()
            case 0x40: transferSyntaxes.append(try value.readUIDValue())
            default:
                throw DICOMNetworkError(.unexpectedItem, "sub-item 0x\(String(type, radix: 16)) in presentation context \(id)")
            }
        }
        guard let abstractSyntax, !transferSyntaxes.isEmpty else {
            throw DICOMNetworkError(.malformedPDU, "presentation context \(id) without abstract or transfer syntax")
        }
        self.init(id: id, abstractSyntax: abstractSyntax, transferSyntaxes: transferSyntaxes)
    }
}

extension PresentationContextResult {
    /// PS3.8 §9.3.3.2. A rejected context may carry an empty or missing transfer syntax sub-item.
    fileprivate init(_ item: inout ByteBuffer) throws(DICOMNetworkError) {
        guard let id = item.readInteger(as: UInt8.self), item.readInteger(as: UInt8.self) != nil,
            let resultCode = item.readInteger(as: UInt8.self), item.readInteger(as: UInt8.self) != nil
        else { throw DICOMNetworkError(.malformedPDU, "presentation context result truncated") }
        guard let result = Result(rawValue: resultCode) else {
            throw DICOMNetworkError(.invalidParameter, "presentation context \(id) result \(resultCode)")
        }
        var transferSyntax = UID("")
        while item.readableBytes > 0 {
            var (type, value) = try item.readItem()
            guard type == 0x40 else {
                throw DICOMNetworkError(.unexpectedItem, "sub-item 0x\(String(type, radix: 16)) in context result \(id)")
            }
            if result == .acceptance || value.readableBytes > 0 { transferSyntax = try value.readUIDValue() }
        }
        if result == .acceptance && transferSyntax.rawValue.isEmpty {
            throw DICOMNetworkError(.malformedPDU, "accepted presentation context \(id) without transfer syntax")
        }
        self.init(id: id, result: result, transferSyntax: transferSyntax)
    }
}

extension UserInformation {
    /// PS3.8 §9.3.2.3 and PS3.7 Annex D.3.3. A missing maximum length item reads as 0 (unlimited).
    fileprivate init(_ item: inout ByteBuffer) throws(DICOMNetworkError) {
        self.init(maximumLength: 0, implementationClassUID: "")
        var sawImplementationClass = false
        while item.readableBytes > 0 {
            var (type, value) = try item.readItem()
            switch type {
            case 0x51:
                guard value.readableBytes == 4, let length = value.readInteger(as: UInt32.self) else {
                    throw DICOMNetworkError(.malformedPDU, "maximum length sub-item of \(value.readableBytes) bytes")
                }
                maximumLength = length
            case 0x52:
                implementationClassUID = try value.readUIDValue()
                sawImplementationClass = true
            case 0x53:
                guard value.readableBytes == 4, let invoked = value.readInteger(as: UInt16.self),
                    let performed = value.readInteger(as: UInt16.self)
                else { throw DICOMNetworkError(.malformedPDU, "asynchronous operations window sub-item") }
                asynchronousOperationsWindow = AsynchronousOperationsWindow(
                    maximumInvoked: invoked, maximumPerformed: performed)
            case 0x54:
                let uid = try value.readShortLengthPrefixedUID()
                guard let scu = value.readInteger(as: UInt8.self), let scp = value.readInteger(as: UInt8.self) else {
                    throw DICOMNetworkError(.malformedPDU, "role selection sub-item truncated")
                }
                try value.requireEmpty("role selection")
                roleSelections.append(RoleSelection(sopClassUID: uid, scuRole: scu != 0, scpRole: scp != 0))
            case 0x55:
                guard value.readableBytes <= 16, value.readableBytesView.allSatisfy({ (0x20...0x7E).contains($0) }) else {
                    throw DICOMNetworkError(.invalidParameter, "implementation version name not 1-16 ASCII characters")
                }
                implementationVersionName = String(decoding: value.readableBytesView, as: UTF8.self)
            case 0x56:
                let uid = try value.readShortLengthPrefixedUID()
                extendedNegotiations.append(ExtendedNegotiation(sopClassUID: uid, applicationInformation: value))
            case 0x57:
                let uid = try value.readShortLengthPrefixedUID()
                let serviceClass = try value.readShortLengthPrefixedUID()
                var related = try value.readShortLengthPrefixed()
                var relatedUIDs: [UID] = []
                while related.readableBytes > 0 { relatedUIDs.append(try related.readShortLengthPrefixedUID()) }
                try value.requireEmpty("common extended negotiation")
                commonExtendedNegotiations.append(
                    CommonExtendedNegotiation(sopClassUID: uid, serviceClassUID: serviceClass, relatedGeneralSOPClassUIDs: relatedUIDs))
            case 0x58:
                guard let kindCode = value.readInteger(as: UInt8.self), let positive = value.readInteger(as: UInt8.self)
                else { throw DICOMNetworkError(.malformedPDU, "user identity sub-item truncated") }
                guard let kind = UserIdentityRequest.Kind(rawValue: kindCode) else {
                    throw DICOMNetworkError(.invalidParameter, "user identity type \(kindCode)")
                }
                let primary = try value.readShortLengthPrefixed()
                let secondary = value.readableBytes > 0 ? try value.readShortLengthPrefixed() : ByteBuffer()
                try value.requireEmpty("user identity")
                userIdentityRequest = UserIdentityRequest(
                    kind: kind, positiveResponseRequested: positive != 0, primaryField: primary, secondaryField: secondary)
            case 0x59:
                let response = try value.readShortLengthPrefixed()
                try value.requireEmpty("user identity response")
                userIdentityResponse = UserIdentityResponse(serverResponse: response)
            default:
                unknownItems.append(UnknownItem(type: type, value: value))
            }
        }
        guard sawImplementationClass else {
            throw DICOMNetworkError(.malformedPDU, "user information without implementation class UID")
        }
    }
}
