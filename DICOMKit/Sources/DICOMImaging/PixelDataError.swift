public import DICOMCore

/// Why pixel data could not be located, decoded, rendered or encoded, and for which frame.
///
/// Every decoder of untrusted code streams throws only this type: a truncated or corrupt frame is a typed error for
/// that frame, never a crash. The code is extensible, as `DICOMParseError`'s is.
public struct PixelDataError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure; new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case missingAttribute, invalidAttribute, unsupportedTransferSyntax, unsupportedLayout, frameOutOfRange
            case missingFrame, corruptCodeStream, mismatchedCodeStream, encodingFailed, invalidParameter
        }

        private let base: Base

        /// A Image Pixel module attribute that decoding needs is absent (Rows, Bits Allocated, Pixel Data…).
        public static let missingAttribute = Code(base: .missingAttribute)
        /// An Image Pixel attribute holds a value out of range or inconsistent with the others.
        public static let invalidAttribute = Code(base: .invalidAttribute)
        /// No codec for this transfer syntax (MPEG, HEVC, JPEG XL…): the object is stored but not decoded.
        public static let unsupportedTransferSyntax = Code(base: .unsupportedTransferSyntax)
        /// A valid combination that this toolkit does not decode (e.g. subsampled JPEG 2000 components).
        public static let unsupportedLayout = Code(base: .unsupportedLayout)
        /// A frame index past Number of Frames.
        public static let frameOutOfRange = Code(base: .frameOutOfRange)
        /// The pixel data holds fewer bytes or fragments than the frame needs.
        public static let missingFrame = Code(base: .missingFrame)
        /// The code stream is truncated or corrupt.
        public static let corruptCodeStream = Code(base: .corruptCodeStream)
        /// The code stream decodes, but to an image other than the attributes describe.
        public static let mismatchedCodeStream = Code(base: .mismatchedCodeStream)
        /// An encoder refused the image.
        public static let encodingFailed = Code(base: .encodingFailed)
        /// A rendering or transcoding parameter is out of range.
        public static let invalidParameter = Code(base: .invalidParameter)

        public var description: String { String(describing: base) }
    }

    public var code: Code
    public var reason: String
    /// The frame (0-based) being decoded or encoded, where one was.
    public var frame: Int?
    /// The transfer syntax of the code stream, where known.
    public var transferSyntax: UID?
    public var file: String
    public var line: Int

    public init(
        _ code: Code, _ reason: String, frame: Int? = nil, transferSyntax: UID? = nil, file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.reason = reason
        self.frame = frame
        self.transferSyntax = transferSyntax
        self.file = file
        self.line = line
    }

    public var description: String {
        var text = "\(code): \(reason)"
        if let frame { text += " (frame \(frame))" }
        if let transferSyntax { text += " [\(transferSyntax.rawValue)]" }
        return text
    }

    /// Equality ignores the source location.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.code == rhs.code && lhs.reason == rhs.reason && lhs.frame == rhs.frame
            && lhs.transferSyntax == rhs.transferSyntax
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(reason)
        hasher.combine(frame)
    }

    /// The same error, said of a frame and transfer syntax.
    func at(frame: Int, transferSyntax: UID) -> PixelDataError {
        var copy = self
        copy.frame = copy.frame ?? frame
        copy.transferSyntax = copy.transferSyntax ?? transferSyntax
        return copy
    }
}
