public import NIOCore
import Synchronization

/// A sequence read as its encoded bytes, whose items are built the first time something reads them.
///
/// PS3.5 §7.5. pydicom reads sequences this way; Nuage does it when `DICOMReadOptions.defersSequences` asks. The
/// reader has already walked the encoding and checked it as it checks any sequence (lengths, tags, nesting), so
/// building the items later gives them, or fails with the same error the reader would have thrown, never anything
/// else. Items are built once, under a lock, and shared by every copy of the element: the sequence is a value like
/// any other, and changing it (`DataElement.value = …`) replaces it with ordinary items.
public final class DeferredSequence: Sendable {
    /// The encoded value: the items as they were read, up to and including the Sequence Delimitation Item when the
    /// length was undefined; in the byte order of the data set they came from.
    public let encodedValue: ByteBuffer
    private let decode: @Sendable (ByteBuffer) throws(DICOMParseError) -> [DataSet]
    private let decoded: Mutex<Result<[DataSet], DICOMParseError>?>

    /// A sequence whose items `decode` builds from `encodedValue` on first use. For readers of this package.
    package init(encodedValue: ByteBuffer, decode: @escaping @Sendable (ByteBuffer) throws(DICOMParseError) -> [DataSet]) {
        self.encodedValue = encodedValue
        self.decode = decode
        self.decoded = Mutex(nil)
    }

    /// The items, built on the first call; throws the parse error (with the offset and tag path of the file read)
    /// when the encoded value is malformed, on this and every later call.
    public func items() throws(DICOMParseError) -> [DataSet] {
        let result = decoded.withLock { cached in
            if let cached { return cached }
            let encodedValue = self.encodedValue
            let decode = self.decode
            let result = Result { () throws(DICOMParseError) in try decode(encodedValue) }
            cached = result
            return result
        }
        return try result.get()
    }
}
