public import Archive
import DICOM
import DICOMCore
import DICOMDictionary
import DICOMImaging
public import NIOCore

/// Compression at rest with DICOMKit's pixel codecs: re-encodes a native Part 10 object in a lossless syntax
/// (RLE, JPEG-LS, JPEG 2000) and proves the result bit-exact before handing it back.
///
/// The data set is kept except what encapsulation changes (Pixel Data, Photometric Interpretation as the encoder
/// labels it, Planar Configuration 0; see `Transcoder`); the meta group is the original's with the new transfer
/// syntax. Verification parses the bytes that would be stored and decodes every frame: samples, and the decoded
/// image's description, must equal the original's, or the object is refused (`CompressionMismatch`).
public struct LosslessCompressor: StoredObjectCompressor {
    public init() {}

    public func compress(_ object: ByteBuffer, to transferSyntaxUID: String) throws -> ByteBuffer? {
        guard let target = TransferSyntax(uid: UID(transferSyntaxUID)), !Transcoder.isLossy(target),
            let encoder = PixelCodecs.encoder(for: target), encoder.isLossless
        else { throw CompressionMismatch("\(transferSyntaxUID) is not a lossless syntax this archive writes") }
        let file = try DICOMFile(bytes: object)
        guard file.transferSyntax.isNative, file.dataSet.contains(.pixelData) else { return nil }
        let original = try PixelData(dataSet: file.dataSet, transferSyntax: file.transferSyntax)
        guard var compressed = try Self.transcoded(file, to: target) else { return nil }
        compressed.fileMetaInformation = file.fileMetaInformation
        let bytes = try compressed.encoded()
        try Self.verify(bytes, decodesAs: original)
        return bytes
    }

    /// The file in `target`, or nil for a layout the encoder does not take (JPEG-LS beyond 16 bits, RLE beyond 15
    /// segments…), which is left as stored.
    private static func transcoded(_ file: DICOMFile, to target: TransferSyntax) throws -> DICOMFile? {
        let result = Result { () throws(PixelDataError) in try Transcoder.transcode(file, to: target) }
        if case .failure(let error) = result,
            [.unsupportedLayout, .encodingFailed, .unsupportedTransferSyntax].contains(error.code)
        {
            return nil
        }
        return try result.get()
    }

    /// Throws unless `bytes` parse and decode, frame by frame, to the original's samples.
    private static func verify(_ bytes: ByteBuffer, decodesAs original: PixelData) throws {
        let reread = try DICOMFile(bytes: bytes)
        let decoded = try PixelData(dataSet: reread.dataSet, transferSyntax: reread.transferSyntax)
        guard decoded.numberOfFrames == original.numberOfFrames else {
            throw CompressionMismatch("\(decoded.numberOfFrames) frames after compression, \(original.numberOfFrames) before")
        }
        for index in 0..<original.numberOfFrames {
            let before = try original.frame(at: index)
            let after = try decoded.frame(at: index)
            guard after.bytes == before.bytes, sameImage(after.pixelDescription, before.pixelDescription) else {
                throw CompressionMismatch("frame \(index + 1) does not decode to the original samples")
            }
        }
    }
}

/// Whether two decoded frames describe the same samples (planar configuration aside: decoded frames are
/// interleaved whatever the stored layout).
private func sameImage(_ lhs: PixelDescription, _ rhs: PixelDescription) -> Bool {
    var lhs = lhs
    lhs.planarConfiguration = rhs.planarConfiguration
    return lhs == rhs
}

/// Compression at rest refused an object: the re-encoded pixels would not be the original's (or the target is
/// not lossless). The object stays as stored.
public struct CompressionMismatch: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
