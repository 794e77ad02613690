public import NIOCore

/// Reassembles DIMSE messages from presentation data values: the command whole, the data set as it arrives.
///
/// PS3.7 §6.3.1 and PS3.8 Annex E: a message is its command fragments (the last one marked) then, when the command
/// says so, its data set fragments on the same presentation context (the last one marked). The command set is
/// collected up to `CommandSet.maximumEncodedLength` bytes and then decoded; data set fragments are handed on one
/// by one, never collected, so a 2 GB instance costs one PDU of memory here. Fragments out of order (data before
/// its command, a command while data is expected, a change of context mid-message) throw `unexpectedFragment`.
public struct MessageAssembler: Sendable {
    /// What a fragment completed.
    public enum Event: Hashable, Sendable {
        /// A whole command set; when `command.hasDataSet`, data set fragments follow.
        case command(CommandSet, contextID: UInt8)
        /// A piece of the data set that follows the last command; `isLast` on its final piece.
        case dataSetFragment(ByteBuffer, contextID: UInt8, isLast: Bool)
    }

    private enum State: Hashable, Sendable {
        case idle
        case collectingCommand(contextID: UInt8, bytes: ByteBuffer)
        case expectingDataSet(contextID: UInt8)
    }

    private var state: State = .idle

    public init() {}

    /// Whether a message is in progress (a command partly received, or its data set not yet complete).
    public var isInsideMessage: Bool { state != .idle }

    /// Takes one PDV; returns the event it completes, if any.
    public mutating func receive(_ value: PresentationDataValue) throws(DICOMNetworkError) -> Event? {
        switch state {
        case .idle:
            guard value.isCommand else {
                throw DICOMNetworkError(.unexpectedFragment, "data set fragment without a command before it")
            }
            return try collectCommand(value, soFar: ByteBuffer())
        case .collectingCommand(let contextID, let bytes):
            guard value.isCommand, value.contextID == contextID else {
                throw DICOMNetworkError(
                    .unexpectedFragment, "fragment on context \(value.contextID) inside a command on \(contextID)")
            }
            state = .idle
            return try collectCommand(value, soFar: bytes)
        case .expectingDataSet(let contextID):
            guard !value.isCommand, value.contextID == contextID else {
                throw DICOMNetworkError(
                    .unexpectedFragment, "command or other context (\(value.contextID)) inside a data set on \(contextID)")
            }
            if value.isLast { state = .idle }
            return .dataSetFragment(value.data, contextID: contextID, isLast: value.isLast)
        }
    }

    private mutating func collectCommand(_ value: PresentationDataValue, soFar: ByteBuffer) throws(DICOMNetworkError)
        -> Event?
    {
        var bytes = soFar
        guard bytes.readableBytes + value.data.readableBytes <= CommandSet.maximumEncodedLength else {
            throw DICOMNetworkError(.limitExceeded, "command set over \(CommandSet.maximumEncodedLength) bytes")
        }
        if bytes.readableBytes == 0 {
            bytes = value.data
        } else {
            var data = value.data
            bytes.writeBuffer(&data)
        }
        guard value.isLast else {
            state = .collectingCommand(contextID: value.contextID, bytes: bytes)
            return nil
        }
        let command = try CommandSet(decoding: bytes)
        state = command.hasDataSet ? .expectingDataSet(contextID: value.contextID) : .idle
        return .command(command, contextID: value.contextID)
    }
}
