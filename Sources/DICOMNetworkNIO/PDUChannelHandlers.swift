import DICOMNetwork
import NIOCore

/// Frames PDUs out of the byte stream with `PDUDecoder`'s bounds (PS3.8 §9.3); a decoding error closes the
/// inbound stream with a `DICOMNetworkError`, which the association turns into an A-ABORT.
struct PDUFrameDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = PDU

    let decoder: PDUDecoder

    mutating func decode(buffer: inout ByteBuffer) throws -> PDU? {
        try decoder.next(&buffer)
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> PDU? {
        try decoder.next(&buffer)
    }
}

/// Writes PDUs as bytes.
struct PDUFrameEncoder: MessageToByteEncoder {
    typealias OutboundIn = PDU

    func encode(data: PDU, out: inout ByteBuffer) {
        data.encode(into: &out)
    }
}

/// Closes the connection when the `IdleStateHandler` before it reports that nothing was read or written for the
/// idle timeout.
final class IdleConnectionCloser: ChannelInboundHandler, Sendable {
    typealias InboundIn = PDU
    typealias InboundOut = PDU

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}

extension Channel {
    /// Adds the PDU framing, the idle timer and wraps the channel for async use (called on its event loop).
    func makeAssociationChannel(
        maximumPDULength: UInt32, idleTimeout: TimeAmount
    ) throws -> NIOAsyncChannel<PDU, PDU> {
        let decoder = PDUDecoder(maximumDataLength: maximumPDULength)
        try pipeline.syncOperations.addHandlers([
            ByteToMessageHandler(PDUFrameDecoder(decoder: decoder)),
            MessageToByteHandler(PDUFrameEncoder()),
            IdleStateHandler(allTimeout: idleTimeout),
            IdleConnectionCloser(),
        ])
        // A few PDUs in flight at most: the socket is not read faster than the association consumes.
        let configuration = NIOAsyncChannel<PDU, PDU>.Configuration(
            backPressureStrategy: .init(lowWatermark: 2, highWatermark: 4))
        return try NIOAsyncChannel(wrappingChannelSynchronously: self, configuration: configuration)
    }
}
