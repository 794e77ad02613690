import DICOMCore
import DICOMNetwork
import NIOCore

/// Runs one input through the Upper Layer decoders and traps when they disagree or misbehave.
///
/// Inputs whose first byte is `marker` (0xD1, which no DICOM file or bare data set starts with) are PDU streams:
/// the rest is decoded by `PDUDecoder` whole and drip-fed (chunk sizes drawn from the input's seed), fed to an
/// acceptor's `AssociationStateMachine`, and its P-DATA values to a `MessageAssembler`. A thrown
/// `DICOMNetworkError` is an answer; a trap is a finding, and so is:
/// - whole and drip-fed decoding that differ (other PDUs, or one failing where the other does not);
/// - a decoder that consumes bytes and returns nil, or returns a PDU without consuming;
/// - a decoded PDU that does not decode to itself after encoding (the encoder and decoder must mirror);
/// - a state machine that throws for a received PDU (received PDUs never throw, they abort).
enum NetworkFuzzHarness {
    static let marker: UInt8 = 0xD1

    static func run(_ input: UnsafeRawBufferPointer) {
        var bytes = ByteBuffer(bytes: input)
        bytes.moveReaderIndex(forwardBy: 1)
        var random = DeterministicRandom(seed: DeterministicRandom.fnv1a(input))
        let decoder = PDUDecoder(maximumDataLength: 16384, maximumAssociationLength: 65536)
        let whole = decode(bytes, decoder: decoder, dripFed: false, random: &random)
        let dripFed = decode(bytes, decoder: decoder, dripFed: true, random: &random)
        if whole.pdus != dripFed.pdus || whole.error?.code != dripFed.error?.code {
            fatalError("PDU decoding: whole gave \(whole), drip-fed gave \(dripFed)")
        }
        var machine = AssociationStateMachine.acceptor()
        var assembler = MessageAssembler()
        _ = try? machine.handle(.transportAccepted)
        for pdu in whole.pdus {
            let again: PDU
            do {
                again = try decoder.decode(pdu.encoded)
            } catch {
                fatalError("PDU \(pdu) does not decode after encoding: \(error)")
            }
            if again != pdu { fatalError("PDU round trip differs: \(pdu) became \(again)") }
            let actions: [AssociationStateMachine.Action]
            do {
                actions = try machine.handle(.received(pdu))
            } catch {
                fatalError("state machine threw for a received PDU: \(error)")
            }
            for case .indicateData(let transfer) in actions {
                for value in transfer.values { _ = try? assembler.receive(value) }
            }
            if case .indicateAssociateRequest = actions.last {
                _ = try? machine.handle(.associateAccept(
                    AssociateAccept(calledAETitle: "A", callingAETitle: "B", presentationContexts: [],
                        userInformation: UserInformation(maximumLength: 16384, implementationClassUID: "1.2"))))
            }
        }
    }

    private static func decode(_ bytes: ByteBuffer, decoder: PDUDecoder, dripFed: Bool, random: inout DeterministicRandom)
        -> (pdus: [PDU], error: DICOMNetworkError?)
    {
        var source = bytes
        var buffer = ByteBuffer()
        var pdus: [PDU] = []
        while true {
            let size = dripFed ? random.chunkSize() : source.readableBytes
            if var chunk = source.readSlice(length: min(size, source.readableBytes)) { buffer.writeBuffer(&chunk) }
            do {
                while true {
                    let before = buffer.readableBytes
                    guard let pdu = try decoder.next(&buffer) else {
                        if buffer.readableBytes != before { fatalError("PDU decoder consumed bytes and returned nil") }
                        break
                    }
                    if buffer.readableBytes == before { fatalError("PDU decoder returned a PDU without consuming") }
                    pdus.append(pdu)
                }
            } catch {
                return (pdus, error)
            }
            if source.readableBytes == 0 { return (pdus, nil) }
        }
    }
}
