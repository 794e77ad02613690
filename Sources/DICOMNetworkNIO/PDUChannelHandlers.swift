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

/// Writes PDUs as bytes. A P-DATA-TF's values are not copied: the PDU and item headers go out in a small buffer of
/// their own and each value as the buffer it came in (a slice of a read blob), which the socket gathers (`writev`).
/// Sending a stored instance then copies its bytes once (file to memory) instead of twice.
final class PDUFrameWriter: ChannelOutboundHandler, Sendable {
    typealias OutboundIn = PDU
    typealias OutboundOut = ByteBuffer

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let pdu = unwrapOutboundIn(data)
        guard case .data(let transfer) = pdu, !transfer.values.isEmpty else {
            context.write(wrapOutboundOut(pdu.encoded), promise: promise)
            return
        }
        var header = context.channel.allocator.buffer(capacity: 12)
        header.writeInteger(UInt8(0x04))
        header.writeInteger(UInt8(0))
        header.writeInteger(UInt32(transfer.values.reduce(0) { $0 + $1.encodedLength }))
        for (index, value) in transfer.values.enumerated() {
            header.writeInteger(UInt32(2 + value.data.readableBytes))
            header.writeInteger(value.contextID)
            header.writeInteger(UInt8((value.isCommand ? 1 : 0) | (value.isLast ? 2 : 0)))
            context.write(wrapOutboundOut(header), promise: nil)
            let isLastValue = index == transfer.values.count - 1
            context.write(wrapOutboundOut(value.data), promise: isLastValue ? promise : nil)
            header = context.channel.allocator.buffer(capacity: 6)
        }
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
            PDUFrameWriter(),
            IdleStateHandler(allTimeout: idleTimeout),
            IdleConnectionCloser(),
        ])
        // A few PDUs in flight at most: the socket is not read faster than the association consumes.
        let configuration = NIOAsyncChannel<PDU, PDU>.Configuration(
            backPressureStrategy: .init(lowWatermark: 2, highWatermark: 4))
        return try NIOAsyncChannel(wrappingChannelSynchronously: self, configuration: configuration)
    }
}
