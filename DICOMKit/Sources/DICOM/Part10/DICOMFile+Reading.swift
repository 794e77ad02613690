public import DICOMCore
import Glibc
public import NIOCore

extension DICOMFile {
    /// Reads a file or bare data set held in memory.
    public init(bytes: ByteBuffer, options: DICOMReadOptions = DICOMReadOptions()) throws(DICOMParseError) {
        var parser = Part10Parser(options: options)
        var buffer = bytes
        switch try parser.parse(&buffer, isEndOfInput: true) {
        case .finished(let file):
            self = file
        case .needsMoreInput, .skipInput:
            throw DICOMParseError(.truncated, "the input ended before the data set")
        }
    }

    /// Reads a file from disk.
    ///
    /// Without `stopsBeforePixelData` or a `bulkDataThreshold` the file is read whole in one call. With either, it
    /// is read in chunks and never further than needed: a 2 GB file's header costs a few kilobytes of reading, and
    /// three system calls (open, read, close) when it fits the first chunk.
    public init(contentsOf path: String, options: DICOMReadOptions = DICOMReadOptions()) throws(DICOMFileError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw DICOMFileError.io(path: path, operation: "open", errno: errno) }
        defer { close(descriptor) }
        let streams = options.stopsBeforePixelData || options.bulkDataThreshold != nil
        // Read in chunks, the end of the file is where a read comes back empty: no need to ask for its size.
        var fileSize = Int.max
        if !streams {
            var status = stat()
            guard fstat(descriptor, &status) == 0 else {
                throw DICOMFileError.io(path: path, operation: "stat", errno: errno)
            }
            fileSize = Int(status.st_size)
        }
        var parser = Part10Parser(options: options, filePath: path)
        var buffer = ByteBuffer()
        // Most CT and MR headers fit the first 8 KB (2-20 KB); chunks then double, so that reading a long header or
        // value costs a few reads, not one per chunk.
        var chunkSize = streams ? 8 * 1024 : max(fileSize, 1)
        var position = 0
        while true {
            let isEndOfInput = position >= fileSize
            let step: Part10Parser.Step
            do {
                step = try parser.parse(&buffer, isEndOfInput: isEndOfInput)
            } catch {
                throw DICOMFileError.parse(path: path, error)
            }
            switch step {
            case .finished(let file):
                self = file
                return
            case .skipInput(let count):
                position += count
                guard lseek(descriptor, off_t(position), SEEK_SET) >= 0 else {
                    throw DICOMFileError.io(path: path, operation: "seek", errno: errno)
                }
            case .needsMoreInput:
                guard !isEndOfInput else {
                    throw DICOMFileError.parse(path: path, DICOMParseError(.truncated, "the file ended early"))
                }
                buffer.discardReadBytes()
                let wanted = min(chunkSize, fileSize - position)
                let read = try Self.read(descriptor, count: wanted, into: &buffer, path: path)
                position += read
                if read < wanted { fileSize = position }
                // Grow chunks while one value spans many of them, so a long value is not read in small steps.
                chunkSize = min(chunkSize * 2, 16 * 1024 * 1024)
            }
        }
    }

    private static func read(_ descriptor: Int32, count: Int, into buffer: inout ByteBuffer, path: String)
        throws(DICOMFileError) -> Int
    {
        var total = 0
        while total < count {
            var failure: Int32 = 0
            let read = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count - total) { target in
                let result = Glibc.read(descriptor, target.baseAddress, count - total)
                if result < 0 { failure = errno }
                return max(result, 0)
            }
            if failure == EINTR { continue }
            if failure != 0 { throw DICOMFileError.io(path: path, operation: "read", errno: failure) }
            if read == 0 { break }
            total += read
        }
        return total
    }
}
