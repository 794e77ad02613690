public import NIOCore
import DICOMCore

extension PDU {
    /// Appends the PDU's bytes (header included) to `buffer`.
    ///
    /// PS3.8 §9.3: big-endian lengths; AE titles padded with spaces to 16 bytes; UIDs written without padding.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(type)
        buffer.writeInteger(UInt8(0))
        let lengthIndex = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        let bodyStart = buffer.writerIndex
        switch self {
        case .associateRequest(let request):
            buffer.writeAssociationHeader(
                version: request.protocolVersion, called: request.calledAETitle, calling: request.callingAETitle)
            buffer.writeUIDItem(type: 0x10, request.applicationContextName)
            for context in request.presentationContexts {
                buffer.writeItem(type: 0x20) { item in
                    item.writeInteger(context.id)
                    item.writeRepeatingByte(0, count: 3)
                    item.writeUIDItem(type: 0x30, context.abstractSyntax)
                    for syntax in context.transferSyntaxes { item.writeUIDItem(type: 0x40, syntax) }
                }
            }
            buffer.writeUserInformation(request.userInformation)
        case .associateAccept(let accept):
            buffer.writeAssociationHeader(
                version: accept.protocolVersion, called: accept.calledAETitle, calling: accept.callingAETitle)
            buffer.writeUIDItem(type: 0x10, accept.applicationContextName)
            for context in accept.presentationContexts {
                buffer.writeItem(type: 0x21) { item in
                    item.writeInteger(context.id)
                    item.writeInteger(UInt8(0))
                    item.writeInteger(context.result.rawValue)
                    item.writeInteger(UInt8(0))
                    item.writeUIDItem(type: 0x40, context.transferSyntax)
                }
            }
            buffer.writeUserInformation(accept.userInformation)
        case .associateReject(let reject):
            let (source, reason): (UInt8, UInt8) =
                switch reject.reason {
                case .serviceUser(let reason): (1, reason.rawValue)
                case .serviceProviderACSE(let reason): (2, reason.rawValue)
                case .serviceProviderPresentation(let reason): (3, reason.rawValue)
                }
            buffer.writeInteger(UInt8(0))
            buffer.writeInteger(reject.result.rawValue)
            buffer.writeInteger(source)
            buffer.writeInteger(reason)
        case .data(let transfer):
            for value in transfer.values {
                buffer.writeInteger(UInt32(2 + value.data.readableBytes))
                buffer.writeInteger(value.contextID)
                buffer.writeInteger(UInt8((value.isCommand ? 1 : 0) | (value.isLast ? 2 : 0)))
                buffer.writeImmutableBuffer(value.data)
            }
        case .releaseRequest, .releaseResponse:
            buffer.writeInteger(UInt32(0))
        case .abort(let abort):
            buffer.writeInteger(UInt16(0))
            buffer.writeInteger(abort.source.rawValue)
            buffer.writeInteger(abort.reason.rawValue)
        }
        buffer.setInteger(UInt32(buffer.writerIndex - bodyStart), at: lengthIndex)
    }

    /// The PDU's bytes in a new buffer.
    public var encoded: ByteBuffer {
        var buffer = ByteBuffer()
        encode(into: &buffer)
        return buffer
    }
}

extension ByteBuffer {
    fileprivate mutating func writeAssociationHeader(version: UInt16, called: String, calling: String) {
        writeInteger(version)
        writeInteger(UInt16(0))
        writeAETitleField(called)
        writeAETitleField(calling)
        writeRepeatingByte(0, count: 32)
    }

    /// An AE title field: 16 bytes, space padded (PS3.8 §9.3.2); longer titles are cut at 16 bytes.
    fileprivate mutating func writeAETitleField(_ title: String) {
        let bytes = title.utf8.prefix(16)
        writeBytes(bytes)
        writeRepeatingByte(UInt8(ascii: " "), count: 16 - bytes.count)
    }

    /// An item with a 1-byte type, a reserved byte and a 2-byte length, its value written by `body`.
    fileprivate mutating func writeItem(type: UInt8, _ body: (inout ByteBuffer) -> Void) {
        writeInteger(type)
        writeInteger(UInt8(0))
        let lengthIndex = writerIndex
        writeInteger(UInt16(0))
        let start = writerIndex
        body(&self)
        setInteger(UInt16(truncatingIfNeeded: writerIndex - start), at: lengthIndex)
    }

    fileprivate mutating func writeUIDItem(type: UInt8, _ uid: UID) {
        writeItem(type: type) { $0.writeString(uid.rawValue) }
    }

    /// A 2-byte length then the bytes: the fields inside role selection, extended negotiation and user identity.
    fileprivate mutating func writeShortLengthPrefixed(_ bytes: ByteBuffer) {
        writeInteger(UInt16(truncatingIfNeeded: bytes.readableBytes))
        writeImmutableBuffer(bytes)
    }

    fileprivate mutating func writeShortLengthPrefixed(_ uid: UID) {
        writeShortLengthPrefixed(ByteBuffer(string: uid.rawValue))
    }

    /// PS3.8 §9.3.2.3 and PS3.7 Annex D.3.3.
    fileprivate mutating func writeUserInformation(_ information: UserInformation) {
        writeItem(type: 0x50) { item in
            item.writeItem(type: 0x51) { $0.writeInteger(information.maximumLength) }
            item.writeUIDItem(type: 0x52, information.implementationClassUID)
            if let window = information.asynchronousOperationsWindow {
                item.writeItem(type: 0x53) {
                    $0.writeInteger(window.maximumInvoked)
                    $0.writeInteger(window.maximumPerformed)
                }
            }
            for selection in information.roleSelections {
                item.writeItem(type: 0x54) {
                    $0.writeShortLengthPrefixed(selection.sopClassUID)
                    $0.writeInteger(UInt8(selection.scuRole ? 1 : 0))
                    $0.writeInteger(UInt8(selection.scpRole ? 1 : 0))
                }
            }
            if let name = information.implementationVersionName {
                item.writeItem(type: 0x55) { $0.writeString(name) }
            }
            for negotiation in information.extendedNegotiations {
                item.writeItem(type: 0x56) {
                    $0.writeShortLengthPrefixed(negotiation.sopClassUID)
                    $0.writeImmutableBuffer(negotiation.applicationInformation)
                }
            }
            for negotiation in information.commonExtendedNegotiations {
                item.writeItem(type: 0x57) {
                    $0.writeShortLengthPrefixed(negotiation.sopClassUID)
                    $0.writeShortLengthPrefixed(negotiation.serviceClassUID)
                    var related = ByteBuffer()
                    for uid in negotiation.relatedGeneralSOPClassUIDs { related.writeShortLengthPrefixed(uid) }
                    $0.writeShortLengthPrefixed(related)
                }
            }
            if let identity = information.userIdentityRequest {
                item.writeItem(type: 0x58) {
                    $0.writeInteger(identity.kind.rawValue)
                    $0.writeInteger(UInt8(identity.positiveResponseRequested ? 1 : 0))
                    $0.writeShortLengthPrefixed(identity.primaryField)
                    $0.writeShortLengthPrefixed(identity.secondaryField)
                }
            }
            if let identity = information.userIdentityResponse {
                item.writeItem(type: 0x59) { $0.writeShortLengthPrefixed(identity.serverResponse) }
            }
            for unknown in information.unknownItems {
                item.writeItem(type: unknown.type) { $0.writeImmutableBuffer(unknown.value) }
            }
        }
    }
}
