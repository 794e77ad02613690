import DICOM
import DICOMCore
import DICOMNetwork
public import NIOCore

/// What the peer sent, one step at a time, as the association's reading task sees it.
enum InboundEvent {
    case associateRequest(AssociateRequest)
    case associateAccepted(AssociateAccept)
    case associateRejected(AssociateReject)
    /// A whole command set; when it announces a data set, `dataSetFragment`s follow.
    case command(CommandSet, contextID: UInt8)
    case dataSetFragment(ByteBuffer, isLast: Bool)
    case releaseRequested
    case released
    /// The peer aborted, or the connection was lost.
    case aborted(String)
}

/// The reading side of an association: PDUs from the channel through the state machine and the message
/// assembler. Owned by one task; the socket is read only when this reader is asked for the next event, which is
/// what gives C-STORE its backpressure.
final class AssociationReader {
    let core: AssociationCore
    private var inbound: NIOAsyncChannelInboundStream<PDU>.AsyncIterator
    private var assembler = MessageAssembler()
    private var pendingValues: ArraySlice<PresentationDataValue> = []

    init(core: AssociationCore, inbound: NIOAsyncChannelInboundStream<PDU>) {
        self.core = core
        self.inbound = inbound.makeAsyncIterator()
    }

    /// The next event; hostile or out-of-state input is answered with an A-ABORT (by the state machine) and
    /// thrown as `DICOMNetworkError`.
    func next() async throws -> InboundEvent {
        while true {
            if let value = pendingValues.popFirst() {
                let event: MessageAssembler.Event?
                do {
                    event = try assembler.receive(value)
                } catch {
                    _ = try? await core.handle(.receivedInvalidPDU(error))
                    throw error
                }
                switch event {
                case .command(let command, let contextID): return .command(command, contextID: contextID)
                case .dataSetFragment(let bytes, _, let isLast): return .dataSetFragment(bytes, isLast: isLast)
                case nil: continue
                }
            }
            let pdu: PDU?
            do {
                pdu = try await inbound.next()
            } catch let error as DICOMNetworkError {
                _ = try? await core.handle(.receivedInvalidPDU(error))
                throw error
            } catch {
                _ = try? await core.handle(.transportClosed)
                return .aborted("connection error: \(error)")
            }
            guard let pdu else {
                _ = try? await core.handle(.transportClosed)
                return .aborted("connection closed by the peer")
            }
            for indication in try await core.handle(.received(pdu)) {
                switch indication {
                case .indicateData(let transfer): pendingValues = transfer.values[...]
                case .indicateAssociateRequest(let request): return .associateRequest(request)
                case .confirmAccepted(let accept): return .associateAccepted(accept)
                case .confirmRejected(let reject): return .associateRejected(reject)
                case .indicateReleaseRequest: return .releaseRequested
                case .confirmRelease: return .released
                case .indicateAbort(let abort): return .aborted("A-ABORT from the peer (source \(abort.source), reason \(abort.reason))")
                case .indicateProviderAbort(let reason):
                    throw DICOMNetworkError(.unexpectedPDU, "\(pdu.name) in state \(core.machineState): aborted (\(reason))")
                default: continue
                }
            }
        }
    }

    /// Waits until the peer closes the connection (or the ARTIM timer closes it), discarding what arrives.
    func waitForClose() async {
        while (try? await inbound.next()) != nil {}
        _ = try? await core.handle(.transportClosed)
    }

    /// The rest of the current data set, collected whole: for identifiers (C-FIND, C-MOVE, C-GET), bounded.
    func collectDataSet(limit: Int) async throws -> ByteBuffer {
        var collected = ByteBuffer()
        while true {
            guard case .dataSetFragment(var bytes, let isLast) = try await next() else {
                throw DICOMNetworkError(.unexpectedFragment, "the identifier ended early")
            }
            guard collected.readableBytes + bytes.readableBytes <= limit else {
                throw DICOMNetworkError(.limitExceeded, "identifier over \(limit) bytes")
            }
            collected.writeBuffer(&bytes)
            if isLast { return collected }
        }
    }
}

extension PDU {
    var name: String {
        switch self {
        case .associateRequest: "A-ASSOCIATE-RQ"
        case .associateAccept: "A-ASSOCIATE-AC"
        case .associateReject: "A-ASSOCIATE-RJ"
        case .data: "P-DATA-TF"
        case .releaseRequest: "A-RELEASE-RQ"
        case .releaseResponse: "A-RELEASE-RP"
        case .abort: "A-ABORT"
        }
    }
}

/// The bare data set bytes of a message, read from the association as they arrive.
///
/// PS3.7 §6.3.1: the data set of a C-STORE-RQ in the presentation context's transfer syntax, without file meta
/// information. Iterating reads the socket: a consumer that waits holds the peer back (TCP backpressure). Valid
/// only while the operation it was handed to runs; what is not consumed is drained afterwards.
public struct DataSetStream: AsyncSequence {
    public typealias Element = ByteBuffer
    public typealias Failure = any Error

    let source: DataSetSource

    public func makeAsyncIterator() -> Iterator { Iterator(source: source) }


    public struct Iterator: AsyncIteratorProtocol {
        let source: DataSetSource

        public mutating func next() async throws -> ByteBuffer? {
            try await source.next()
        }
    }
}

/// The state of one data set being read: finished once its last fragment was handed out.
final class DataSetSource {
    private let reader: AssociationReader
    private(set) var isFinished = false

    init(reader: AssociationReader) {
        self.reader = reader
    }

    func next() async throws -> ByteBuffer? {
        guard !isFinished else { return nil }
        switch try await reader.next() {
        case .dataSetFragment(let bytes, let isLast):
            if isLast { isFinished = true }
            return bytes
        case .aborted(let reason):
            isFinished = true
            throw DICOMNetworkError(.associationClosed, reason)
        default:
            isFinished = true
            throw DICOMNetworkError(.unexpectedFragment, "the data set ended early")
        }
    }

    /// Reads and drops what the consumer left.
    func drain() async throws {
        while try await next() != nil {}
    }
}

extension DataSet {
    /// Decodes an identifier received in `transferSyntax` (PS3.7 §9.3.2.1: C-FIND, C-MOVE, C-GET identifiers).
    init(decoding bytes: ByteBuffer, transferSyntax: UID) throws {
        guard let syntax = TransferSyntax(uid: transferSyntax), !syntax.isDeflated else {
            throw DICOMNetworkError(.invalidParameter, "identifier in unsupported transfer syntax \(transferSyntax)")
        }
        var tokenizer = DataSetTokenizer(transferSyntax: syntax)
        var builder = DataSetBuilder(maximumValueLength: 1 << 20)
        var buffer = bytes
        while let token = try tokenizer.next(&buffer) { try builder.append(token) }
        try tokenizer.finish(remaining: buffer)
        self = try builder.finish()
    }

    /// Encodes an identifier in `transferSyntax`.
    func encoded(transferSyntax: UID) throws -> ByteBuffer {
        guard let syntax = TransferSyntax(uid: transferSyntax), !syntax.isDeflated else {
            throw DICOMNetworkError(.invalidParameter, "identifier in unsupported transfer syntax \(transferSyntax)")
        }
        var buffer = ByteBuffer()
        try DataSetWriter(transferSyntax: syntax).write(self, into: &buffer)
        return buffer
    }
}
