public import NIOCore

/// Cuts a DIMSE message into P-DATA-TF PDUs that fit the peer's maximum PDU length.
///
/// PS3.8 §9.3.5 and Annex D.1: the peer's Maximum Length counts the PDV items of a P-DATA-TF (6 bytes of item
/// header each, then data); 0 means unlimited, which is capped at `unlimitedFragmentLength` here so that one PDU
/// never needs more memory than that. Data set bytes passed in pieces are coalesced into full PDVs (`append`), so
/// writing a file in 64 KiB reads gives PDUs of the negotiated size, not of the read size.
public struct MessageFragmenter: Sendable {
    /// The fragment size used when the peer announces no limit.
    public static let unlimitedFragmentLength = 1 << 20

    /// The largest data field of one PDV.
    public let maximumFragmentLength: Int
    private var pending = ByteBuffer()

    public init(peerMaximumLength: UInt32) {
        let limit = peerMaximumLength == 0 ? Self.unlimitedFragmentLength + 6 : Int(peerMaximumLength)
        maximumFragmentLength = max(limit - 6, 1)
    }

    /// The PDUs of a command set.
    public func commandPDUs(_ command: CommandSet, contextID: UInt8) -> [PDU] {
        Self.split(command.encoded(), contextID: contextID, isCommand: true, isLast: true, fragmentLength: maximumFragmentLength)
    }

    /// Adds data set bytes; returns the PDUs now full. With `isLast`, flushes everything, the last PDV marked.
    public mutating func append(dataSet bytes: ByteBuffer, contextID: UInt8, isLast: Bool) -> [PDU] {
        if pending.readableBytes == 0 {
            pending = bytes
        } else {
            var bytes = bytes
            pending.writeBuffer(&bytes)
        }
        if isLast {
            defer { pending = ByteBuffer() }
            return Self.split(pending, contextID: contextID, isCommand: false, isLast: true, fragmentLength: maximumFragmentLength)
        }
        let whole = pending.readableBytes / maximumFragmentLength * maximumFragmentLength
        guard whole > 0, let full = pending.readSlice(length: whole) else { return [] }
        pending = pending.slice()  // Drop the consumed front.
        return Self.split(full, contextID: contextID, isCommand: false, isLast: false, fragmentLength: maximumFragmentLength)
    }

    /// The PDUs of a whole data set held in one buffer.
    public func dataSetPDUs(_ bytes: ByteBuffer, contextID: UInt8) -> [PDU] {
        Self.split(bytes, contextID: contextID, isCommand: false, isLast: true, fragmentLength: maximumFragmentLength)
    }

    private static func split(
        _ bytes: ByteBuffer, contextID: UInt8, isCommand: Bool, isLast: Bool, fragmentLength: Int
    ) -> [PDU] {
        var remaining = bytes
        var pdus: [PDU] = []
        pdus.reserveCapacity(remaining.readableBytes / fragmentLength + 1)
        repeat {
            let length = min(fragmentLength, remaining.readableBytes)
            let data = remaining.readSlice(length: length) ?? ByteBuffer()
            let value = PresentationDataValue(
                contextID: contextID, isCommand: isCommand, isLast: isLast && remaining.readableBytes == 0, data: data)
            pdus.append(.data(DataTransfer(values: [value])))
        } while remaining.readableBytes > 0
        return pdus
    }
}
