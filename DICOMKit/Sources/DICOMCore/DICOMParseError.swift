/// An error met while decoding DICOM bytes or values: what went wrong, where, and in which element.
///
/// Modelled on swift-asn1's error: a small extensible code, a human reason, and context (byte offset and the
/// path of tags from the top-level data set down to the element). Every parser of untrusted bytes throws only
/// this type, so callers map it to a DIMSE status or an HTTP problem in one place.
public struct DICOMParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure; new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case truncated, invalidLength, invalidVR, invalidTag, nestingTooDeep, unexpectedToken, notDICOM
            case unsupportedTransferSyntax, valueTooLong, invalidValue, invalidFileMeta, deflate, limitExceeded
        }

        private let base: Base

        /// The input ended inside a header or a value.
        public static let truncated = Code(base: .truncated)
        /// A length that is odd where it must be even, runs past its container, or is undefined where not allowed.
        public static let invalidLength = Code(base: .invalidLength)
        /// An explicit VR that is not one of PS3.5's codes.
        public static let invalidVR = Code(base: .invalidVR)
        /// A tag out of place: out of order, a delimiter where an element belongs, a group that cannot appear.
        public static let invalidTag = Code(base: .invalidTag)
        /// Sequences nested deeper than the parser's limit.
        public static let nestingTooDeep = Code(base: .nestingTooDeep)
        /// A token that the consumer cannot accept in its state.
        public static let unexpectedToken = Code(base: .unexpectedToken)
        /// The bytes are not a DICOM file or data set.
        public static let notDICOM = Code(base: .notDICOM)
        /// The transfer syntax is unknown or cannot be decoded.
        public static let unsupportedTransferSyntax = Code(base: .unsupportedTransferSyntax)
        /// A value is longer than the configured maximum.
        public static let valueTooLong = Code(base: .valueTooLong)
        /// A value does not follow its VR's rules.
        public static let invalidValue = Code(base: .invalidValue)
        /// The file meta information group is missing something required or is inconsistent.
        public static let invalidFileMeta = Code(base: .invalidFileMeta)
        /// A deflate stream is corrupt or truncated.
        public static let deflate = Code(base: .deflate)
        /// A configured limit (element count, total size) was reached.
        public static let limitExceeded = Code(base: .limitExceeded)

        public var description: String { String(describing: base) }
    }

    public var code: Code
    public var reason: String
    /// Byte offset from the start of the input, where known.
    public var offset: Int?
    /// Tags from the top-level data set down to the element being read; empty at the top level.
    public var tagPath: [Tag]
    public var file: String
    public var line: Int

    public init(
        _ code: Code, _ reason: String, offset: Int? = nil, tagPath: [Tag] = [], file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.reason = reason
        self.offset = offset
        self.tagPath = tagPath
        self.file = file
        self.line = line
    }

    public var description: String {
        var text = "\(code): \(reason)"
        if !tagPath.isEmpty { text += " in " + tagPath.map(\.description).joined(separator: " > ") }
        if let offset { text += " at byte offset \(offset)" }
        return text
    }

    /// Equality ignores the source location, which only helps debugging.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.code == rhs.code && lhs.reason == rhs.reason && lhs.offset == rhs.offset && lhs.tagPath == rhs.tagPath
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(reason)
        hasher.combine(offset)
        hasher.combine(tagPath)
    }
}
