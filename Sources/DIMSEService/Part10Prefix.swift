import DICOM
import DICOMCore
import DICOMDictionary
import NIOCore

/// What makes a C-STORE's bare data set a Part 10 object, which is what the archive stores: the preamble, "DICM"
/// and a file meta group naming the command's SOP Class and Instance UIDs, the negotiated transfer syntax and the
/// sender's AE title (PS3.10 §7.1).
enum Part10Prefix {
    static func encoded(
        sopClassUID: UID, sopInstanceUID: UID, transferSyntax: TransferSyntax, sourceAETitle: String
    ) -> ByteBuffer {
        var identity = DataSet()
        identity.insert(DataElement(tag: .sopClassUID, vr: .UI, asciiStrings: [sopClassUID.rawValue]))
        identity.insert(DataElement(tag: .sopInstanceUID, vr: .UI, asciiStrings: [sopInstanceUID.rawValue]))
        let meta = FileMetaInformation.make(
            for: identity, transferSyntax: transferSyntax,
            sourceApplicationEntityTitle: ApplicationEntityTitle.padded(sourceAETitle))
        var buffer = ByteBuffer()
        buffer.writeRepeatingByte(0, count: 128)
        buffer.writeString("DICM")
        // The meta group holds UIDs and short strings only: encoding it cannot fail.
        try? DataSetWriter(transferSyntax: .explicitVRLittleEndian).write(meta, into: &buffer)
        return buffer
    }

    /// The prefix, then the data set's chunks as they arrive.
    struct Chunks<DataSet: AsyncSequence>: AsyncSequence where DataSet.Element == ByteBuffer {
        typealias Element = ByteBuffer

        let prefix: ByteBuffer
        let dataSet: DataSet

        struct AsyncIterator: AsyncIteratorProtocol {
            var prefix: ByteBuffer?
            var dataSet: DataSet.AsyncIterator

            mutating func next() async throws -> ByteBuffer? {
                if let prefix {
                    self.prefix = nil
                    return prefix
                }
                return try await dataSet.next()
            }
        }

        func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(prefix: prefix, dataSet: dataSet.makeAsyncIterator())
        }
    }
}

/// AE titles as DICOM writes them.
enum ApplicationEntityTitle {
    /// The title cut to 16 characters (an AE value's maximum).
    static func padded(_ title: String) -> String {
        String(title.prefix(16))
    }
}
