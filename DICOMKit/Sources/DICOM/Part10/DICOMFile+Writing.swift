public import DICOMCore
import DICOMDictionary
import Glibc
public import NIOCore

extension DICOMFile {
    /// A file for a data set with a fresh meta group (see `FileMetaInformation.make`) and a zero preamble.
    public init(dataSet: DataSet, transferSyntax: TransferSyntax, sourceApplicationEntityTitle: String? = nil) {
        self.init(
            preamble: ByteBuffer(repeating: 0, count: 128),
            fileMetaInformation: FileMetaInformation.make(
                for: dataSet, transferSyntax: transferSyntax,
                sourceApplicationEntityTitle: sourceApplicationEntityTitle),
            dataSet: dataSet, transferSyntax: transferSyntax)
    }

    /// The Part 10 encoding: preamble (zeros when none was read), "DICM", the meta group with its group length
    /// recomputed, then the data set in `transferSyntax`, deflated for the deflated syntax.
    ///
    /// A native transfer syntax is required for a data set that holds pixel data fragments only when the syntax is
    /// encapsulated; the writer does not transcode pixel data.
    public func encoded() throws(DICOMParseError) -> ByteBuffer {
        var buffer = ByteBuffer()
        if let preamble, preamble.readableBytes == 128 {
            buffer.writeImmutableBuffer(preamble)
        } else {
            buffer.writeRepeatingByte(0, count: 128)
        }
        buffer.writeBytes(FileMetaInformation.magic)
        let meta = FileMetaInformation.normalized(fileMetaInformation, transferSyntax: transferSyntax)
        try DataSetWriter(transferSyntax: .explicitVRLittleEndian).write(meta, into: &buffer)
        try encodeDataSet(into: &buffer)
        return buffer
    }

    /// The data set alone, as sent over the network: no preamble and no meta group.
    public func encodedDataSet() throws(DICOMParseError) -> ByteBuffer {
        var buffer = ByteBuffer()
        try encodeDataSet(into: &buffer)
        return buffer
    }

    private func encodeDataSet(into buffer: inout ByteBuffer) throws(DICOMParseError) {
        let writer = DataSetWriter(transferSyntax: transferSyntax)
        if transferSyntax.isDeflated {
            var plain = ByteBuffer()
            try writer.write(dataSet, into: &plain)
            var deflated = try Deflate.deflate(plain)
            buffer.writeBuffer(&deflated)
        } else {
            try writer.write(dataSet, into: &buffer)
        }
    }

    /// Writes the file durably: to a temporary file beside `path`, fsync, then rename over `path`.
    public func write(to path: String) throws(DICOMFileError) {
        let bytes: ByteBuffer
        do {
            bytes = try encoded()
        } catch {
            throw DICOMFileError.parse(path: path, error)
        }
        let temporary = path + ".partial"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw DICOMFileError.io(path: temporary, operation: "open", errno: errno) }
        var failure: (String, Int32)?
        bytes.withUnsafeReadableBytes { source in
            var written = 0
            while written < source.count {
                let result = Glibc.write(descriptor, source.baseAddress?.advanced(by: written), source.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    failure = ("write", errno)
                    return
                }
                written += result
            }
        }
        if failure == nil && fsync(descriptor) != 0 { failure = ("fsync", errno) }
        close(descriptor)
        if let failure {
            unlink(temporary)
            throw DICOMFileError.io(path: temporary, operation: failure.0, errno: failure.1)
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw DICOMFileError.io(path: path, operation: "rename", errno: code)
        }
    }
}
