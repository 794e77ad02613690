/// How a data set is encoded: byte order, explicit or implicit VR, encapsulated pixel data, deflate.
///
/// PS3.5 §10 and Annex A. Transfer syntaxes are data, not branches: codecs read these fields and never
/// compare UIDs themselves.
public struct TransferSyntax: Hashable, Sendable, CustomStringConvertible {
    public enum ByteOrder: Hashable, Sendable {
        case littleEndian, bigEndian
    }

    public var uid: UID
    public var byteOrder: ByteOrder
    public var isExplicitVR: Bool
    /// Pixel Data is a sequence of fragments (PS3.5 §A.4).
    public var isEncapsulated: Bool
    /// The whole data set after the file meta group is a raw deflate stream (PS3.5 §A.5).
    public var isDeflated: Bool

    public init(uid: UID, byteOrder: ByteOrder, isExplicitVR: Bool, isEncapsulated: Bool, isDeflated: Bool) {
        self.uid = uid
        self.byteOrder = byteOrder
        self.isExplicitVR = isExplicitVR
        self.isEncapsulated = isEncapsulated
        self.isDeflated = isDeflated
    }

    public var description: String { uid.rawValue }

    /// Whether pixel data in this syntax is neither compressed nor encapsulated.
    public var isNative: Bool { !isEncapsulated }

    public static let implicitVRLittleEndian = TransferSyntax(
        uid: "1.2.840.10008.1.2", byteOrder: .littleEndian, isExplicitVR: false, isEncapsulated: false,
        isDeflated: false)
    public static let explicitVRLittleEndian = TransferSyntax(
        uid: "1.2.840.10008.1.2.1", byteOrder: .littleEndian, isExplicitVR: true, isEncapsulated: false,
        isDeflated: false)
    public static let encapsulatedUncompressedExplicitVRLittleEndian = encapsulated("1.2.840.10008.1.2.1.98")
    public static let deflatedExplicitVRLittleEndian = TransferSyntax(
        uid: "1.2.840.10008.1.2.1.99", byteOrder: .littleEndian, isExplicitVR: true, isEncapsulated: false,
        isDeflated: true)
    /// Retired in PS3.5 but still found in archives.
    public static let explicitVRBigEndian = TransferSyntax(
        uid: "1.2.840.10008.1.2.2", byteOrder: .bigEndian, isExplicitVR: true, isEncapsulated: false,
        isDeflated: false)

    public static let jpegBaseline8Bit = encapsulated("1.2.840.10008.1.2.4.50")
    public static let jpegExtended12Bit = encapsulated("1.2.840.10008.1.2.4.51")
    public static let jpegLossless = encapsulated("1.2.840.10008.1.2.4.57")
    public static let jpegLosslessSV1 = encapsulated("1.2.840.10008.1.2.4.70")
    public static let jpegLSLossless = encapsulated("1.2.840.10008.1.2.4.80")
    public static let jpegLSNearLossless = encapsulated("1.2.840.10008.1.2.4.81")
    public static let jpeg2000Lossless = encapsulated("1.2.840.10008.1.2.4.90")
    public static let jpeg2000 = encapsulated("1.2.840.10008.1.2.4.91")
    public static let jpeg2000MCLossless = encapsulated("1.2.840.10008.1.2.4.92")
    public static let jpeg2000MC = encapsulated("1.2.840.10008.1.2.4.93")
    public static let htj2kLossless = encapsulated("1.2.840.10008.1.2.4.201")
    public static let htj2kLosslessRPCL = encapsulated("1.2.840.10008.1.2.4.202")
    public static let htj2k = encapsulated("1.2.840.10008.1.2.4.203")
    public static let rleLossless = encapsulated("1.2.840.10008.1.2.5")
    public static let deflatedImageFrame = encapsulated("1.2.840.10008.1.2.8.1")

    /// The transfer syntaxes with a native (uncompressed) encoding, in order of preference for output.
    public static let uncompressed: [TransferSyntax] = [
        .explicitVRLittleEndian, .implicitVRLittleEndian, .deflatedExplicitVRLittleEndian, .explicitVRBigEndian,
    ]

    /// Looks a transfer syntax up by UID.
    ///
    /// The four native syntaxes are recognised exactly. Every other UID under `1.2.840.10008.1.2.` is taken as an
    /// encapsulated Explicit VR Little Endian syntax, which is how PS3.5 defines all the others (JPEG, JPEG-LS,
    /// JPEG 2000, HTJ2K, RLE, MPEG, HEVC, JPEG XL…), so that an archive stores what it does not decode. Any other
    /// UID is nil.
    public init?(uid: UID) {
        switch uid.rawValue {
        case Self.implicitVRLittleEndian.uid.rawValue: self = .implicitVRLittleEndian
        case Self.explicitVRLittleEndian.uid.rawValue: self = .explicitVRLittleEndian
        case Self.deflatedExplicitVRLittleEndian.uid.rawValue: self = .deflatedExplicitVRLittleEndian
        case Self.explicitVRBigEndian.uid.rawValue: self = .explicitVRBigEndian
        default:
            guard uid.rawValue.hasPrefix("1.2.840.10008.1.2."), uid.isValid else { return nil }
            self = Self.encapsulated(uid)
        }
    }

    private static func encapsulated(_ uid: UID) -> TransferSyntax {
        TransferSyntax(uid: uid, byteOrder: .littleEndian, isExplicitVR: true, isEncapsulated: true, isDeflated: false)
    }
}
