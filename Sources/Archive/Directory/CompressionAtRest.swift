/// The lossless transfer syntax an establishment's uncompressed instances are re-encoded in at rest, or none (the
/// default: objects stay exactly as received).
///
/// Only lossless syntaxes: compression at rest must never change a pixel (PS3.5 §8.2: RLE Lossless, JPEG-LS
/// Lossless, JPEG 2000 Lossless Only). The raw values are what the directory, the command line and the admin API
/// use.
public enum CompressionAtRest: String, Hashable, Sendable, Codable, CaseIterable {
    case none
    /// RLE Lossless, 1.2.840.10008.1.2.5 (PS3.5 Annex G).
    case rle
    /// JPEG-LS Lossless Image Compression, 1.2.840.10008.1.2.4.80.
    case jpegLS = "jpeg-ls"
    /// JPEG 2000 Image Compression (Lossless Only), 1.2.840.10008.1.2.4.90.
    case jpeg2000 = "jpeg-2000"

    /// The transfer syntax UID instances are written in; nil for `none`.
    public var transferSyntaxUID: String? {
        switch self {
        case .none: nil
        case .rle: "1.2.840.10008.1.2.5"
        case .jpegLS: "1.2.840.10008.1.2.4.80"
        case .jpeg2000: "1.2.840.10008.1.2.4.90"
        }
    }

    /// The accepted names, for messages: "none, rle, jpeg-ls, jpeg-2000".
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
