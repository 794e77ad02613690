import DICOMNetwork
@testable import DICOMNetworkNIO
import NIOCore
import NIOEmbedded
import Testing

@Suite("PDU frame writer")
struct PDUFrameWriterTests {
    /// Written without copying the values, a P-DATA-TF still puts on the wire exactly the bytes of its encoding.
    @Test func dataPDUsGoOutAsTheirEncodingWithoutCopyingValues() throws {
        let channel = EmbeddedChannel(handler: PDUFrameWriter())
        let command = ByteBuffer(bytes: Array(repeating: 0xAB, count: 17))
        let dataSet = ByteBuffer(bytes: (0..<5000).map { UInt8(truncatingIfNeeded: $0) })
        let pdus: [PDU] = [
            .data(DataTransfer(values: [
                PresentationDataValue(contextID: 1, isCommand: true, isLast: true, data: command),
                PresentationDataValue(contextID: 1, isCommand: false, isLast: false, data: dataSet),
            ])),
            .data(
                DataTransfer(values: [
                    PresentationDataValue(contextID: 3, isCommand: false, isLast: true, data: ByteBuffer())
                ])),
            .releaseRequest,
        ]
        var expected = ByteBuffer()
        var written = ByteBuffer()
        for pdu in pdus {
            pdu.encode(into: &expected)
            try channel.writeAndFlush(pdu).wait()
        }
        var buffers = 0
        while var part = try channel.readOutbound(as: ByteBuffer.self) {
            written.writeBuffer(&part)
            buffers += 1
        }
        #expect(written == expected)
        #expect(buffers == 2 * 3 + 1, "each value in a buffer of its own, after its header")
        _ = try channel.finish()
    }
}
