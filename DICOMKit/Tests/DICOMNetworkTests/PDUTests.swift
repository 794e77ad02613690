import DICOMCore
import NIOCore
import Testing

@testable import DICOMNetwork

/// Bytes from a hex string (test inputs written by hand from PS3.8's tables).
func bytes(hex: String) -> ByteBuffer {
    var buffer = ByteBuffer()
    var iterator = hex.makeIterator()
    while let high = iterator.next(), let low = iterator.next() {
        buffer.writeInteger(UInt8(String([high, low]), radix: 16) ?? 0)
    }
    return buffer
}

let decoder = PDUDecoder(maximumDataLength: 16384)

/// An A-ASSOCIATE-RQ as DCMTK's echoscu sends it (one context, Verification / Implicit VR LE), built by hand.
let echoAssociateRequestHex =
    "0100000000b000010000414e592d5343502020202020202020204543484f534355202020202020202020"
    + "0000000000000000000000000000000000000000000000000000000000000000"
    + "10000015312e322e3834302e31303030382e332e312e312e31"
    + "2000002e0100000030000011312e322e3834302e31303030382e312e3140000011312e322e3834302e31303030382e312e32"
    + "5000001d510000040000400052000007312e322e332e3455000006544553545f31"

let echoAssociateRequest = AssociateRequest(
    calledAETitle: "ANY-SCP", callingAETitle: "ECHOSCU",
    presentationContexts: [
        PresentationContextProposal(id: 1, abstractSyntax: "1.2.840.10008.1.1", transferSyntaxes: ["1.2.840.10008.1.2"])
    ],
    userInformation: UserInformation(maximumLength: 16384, implementationClassUID: "1.2.3.4", implementationVersionName: "TEST_1"))

@Suite struct PDUCodecTests {
    @Test func associateRequestMatchesKnownBytes() throws {
        #expect(PDU.associateRequest(echoAssociateRequest).encoded == bytes(hex: echoAssociateRequestHex))
        #expect(try decoder.decode(bytes(hex: echoAssociateRequestHex)) == .associateRequest(echoAssociateRequest))
    }

    @Test(arguments: [
        ("03000000000400010103", PDU.associateReject(AssociateReject(result: .permanent, reason: .serviceUser(.callingAETitleNotRecognized)))),
        ("03000000000400020302", PDU.associateReject(AssociateReject(result: .transient, reason: .serviceProviderPresentation(.localLimitExceeded)))),
        ("05000000000400000000", PDU.releaseRequest),
        ("06000000000400000000", PDU.releaseResponse),
        ("07000000000400000206", PDU.abort(Abort(source: .serviceProvider, reason: .invalidPDUParameterValue))),
        ("07000000000400000000", PDU.abort(Abort(source: .serviceUser))),
        (
            "04000000000a00000006010301020304",
            PDU.data(DataTransfer(values: [PresentationDataValue(contextID: 1, isCommand: true, isLast: true, data: bytes(hex: "01020304"))]))
        ),
    ])
    func fixedPDUsMatchKnownBytes(hex: String, pdu: PDU) throws {
        #expect(pdu.encoded == bytes(hex: hex))
        #expect(try decoder.decode(bytes(hex: hex)) == pdu)
    }

    @Test func everyUserInformationSubItemRoundTrips() throws {
        var request = echoAssociateRequest
        request.userInformation = UserInformation(
            maximumLength: 0, implementationClassUID: "1.2.3", implementationVersionName: "V",
            asynchronousOperationsWindow: AsynchronousOperationsWindow(maximumInvoked: 5, maximumPerformed: 0),
            roleSelections: [RoleSelection(sopClassUID: "1.2.840.10008.5.1.4.1.1.2", scuRole: false, scpRole: true)],
            extendedNegotiations: [ExtendedNegotiation(sopClassUID: "1.2.840.10008.5.1.4.1.2.2.1", applicationInformation: bytes(hex: "0101"))],
            commonExtendedNegotiations: [
                CommonExtendedNegotiation(
                    sopClassUID: "1.2.840.10008.5.1.4.1.1.2", serviceClassUID: "1.2.840.10008.4.2",
                    relatedGeneralSOPClassUIDs: ["1.2.3.4", "1.2.3.5"])
            ],
            userIdentityRequest: .username("alice", passcode: "secret", positiveResponseRequested: true),
            unknownItems: [UserInformation.UnknownItem(type: 0x5F, value: bytes(hex: "aabb"))])
        request.presentationContexts.append(
            PresentationContextProposal(id: 3, abstractSyntax: "1.2.840.10008.5.1.4.1.1.2", transferSyntaxes: ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"]))
        #expect(try decoder.decode(PDU.associateRequest(request).encoded) == .associateRequest(request))

        let accept = AssociateAccept(
            calledAETitle: "A", callingAETitle: "B",
            presentationContexts: [
                PresentationContextResult(id: 1, result: .acceptance, transferSyntax: "1.2.840.10008.1.2"),
                PresentationContextResult(id: 3, result: .abstractSyntaxNotSupported, transferSyntax: ""),
            ],
            userInformation: UserInformation(
                maximumLength: 1 << 20, implementationClassUID: "1.2.3", userIdentityResponse: UserIdentityResponse(serverResponse: bytes(hex: "01"))))
        #expect(try decoder.decode(PDU.associateAccept(accept).encoded) == .associateAccept(accept))
    }

    @Test func paddedUIDsAndAETitlesAreTrimmed() throws {
        // AE title " ANY-SCP" with a leading space; UIDs padded with NUL as some implementations send them.
        var request = echoAssociateRequest
        request.calledAETitle = " ANY-SCP"
        request.applicationContextName = UID(dicomApplicationContextName.rawValue + "\0")
        let decoded = try decoder.decode(PDU.associateRequest(request).encoded)
        guard case .associateRequest(let value) = decoded else { Issue.record("not a request"); return }
        #expect(value.calledAETitle == "ANY-SCP")
        #expect(value.applicationContextName == dicomApplicationContextName)
    }

    @Test func dripFedBytesGiveTheSamePDUsAndRewind() throws {
        let pdus: [PDU] = [
            .associateRequest(echoAssociateRequest), .data(DataTransfer(values: [PresentationDataValue(contextID: 1, isCommand: false, isLast: false, data: bytes(hex: "0102"))])),
            .releaseRequest,
        ]
        var stream = ByteBuffer()
        for pdu in pdus { pdu.encode(into: &stream) }
        var buffer = ByteBuffer()
        var decoded: [PDU] = []
        while let byte = stream.readInteger(as: UInt8.self) {
            buffer.writeInteger(byte)
            let before = buffer.readerIndex
            if let pdu = try decoder.next(&buffer) {
                decoded.append(pdu)
            } else {
                #expect(buffer.readerIndex == before, "a partial PDU must leave the buffer untouched")
            }
        }
        #expect(decoded == pdus)
        #expect(buffer.readableBytes == 0)
    }
}

@Suite struct HostilePDUTests {
    func error(_ hex: String, decoder: PDUDecoder = decoder) -> DICOMNetworkError.Code? {
        var buffer = bytes(hex: hex)
        do {
            _ = try decoder.next(&buffer)
            return nil
        } catch {
            return error.code
        }
    }

    @Test func absurdLengthIsRefusedFromTheHeaderAlone() {
        #expect(error("04 00 ff ff ff ff".replacing(" ", with: "")) == .pduTooLong)
        #expect(error("0100ffffffff") == .pduTooLong)
    }

    @Test func unknownPDUTypeIsUnrecognized() {
        #expect(error("09000000000400000000") == .unrecognizedPDU)
        #expect(error("00000000000400000000") == .unrecognizedPDU)
    }

    @Test func truncatedItemsAreMalformed() {
        // An A-ASSOCIATE-RQ whose user information item (the last) claims 0x3d bytes but its PDU ends after 0x1d.
        let hex = echoAssociateRequestHex.replacing("5000001d", with: "5000003d")
        #expect(error(hex) == .malformedPDU)
        // A PDV item whose length runs past its P-DATA-TF.
        #expect(error("040000000008000000ff01030102") == .malformedPDU)
        // A PDV item shorter than its 2-byte header.
        #expect(error("040000000006000000010103") == .malformedPDU)
        // A release PDU of the wrong size.
        #expect(error("0500000000020000") == .malformedPDU)
        // An A-ASSOCIATE-RQ shorter than its fixed header.
        #expect(error("01000000000400010000") == .malformedPDU)
    }

    @Test func wrongItemTypesAreRefused() {
        // A presentation context result item (0x21) inside an A-ASSOCIATE-RQ.
        let hex = echoAssociateRequestHex.replacing("2000002e01", with: "2100002e01")
        #expect(error(hex) == .unexpectedItem)
        // An even presentation context ID.
        #expect(error(echoAssociateRequestHex.replacing("2000002e01", with: "2000002e02")) == .invalidParameter)
        // A PDV on an even context ID.
        #expect(error("04000000000a00000006020301020304") == .invalidParameter)
    }

    @Test func malformedUIDIsInvalid() {
        let hex = echoAssociateRequestHex.replacing("52000007312e322e332e34", with: "52000007312e322e332e41")
        #expect(error(hex) == .invalidParameter)
    }

    @Test func randomBytesNeverTrap() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var buffer = ByteBuffer()
            buffer.writeInteger(UInt8.random(in: 1...7, using: &generator))
            buffer.writeInteger(UInt8(0))
            let length = UInt32.random(in: 0...200, using: &generator)
            buffer.writeInteger(length)
            for _ in 0..<length { buffer.writeInteger(UInt8.random(in: 0...255, using: &generator)) }
            _ = try? decoder.next(&buffer)
        }
    }
}
