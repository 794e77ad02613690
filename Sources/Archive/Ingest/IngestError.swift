public import DICOMCore

/// Why an object was not stored. Carries the context (tag, limit, offset, underlying error) and never patient
/// data, so it can be logged and shown.
///
/// `isRejection` separates the object's fault (answer C-STORE with a failure status, STOW with 409, the command
/// line with "rejected") from the archive's (retry later).
public enum IngestError: Error, Sendable, CustomStringConvertible {
    /// The policy does not let the caller store data in the tenant.
    case accessDenied(AccessDenied)
    /// The bytes are not a DICOM file or data set.
    case notDICOM(DICOMParseError)
    /// The bytes start like DICOM but cannot be read.
    case malformed(DICOMParseError)
    /// The object has no data at all.
    case empty
    /// A required attribute is missing or empty (PS3.4 §B.4.1: the archive needs these to file the object).
    case missingAttribute(keyword: String, tag: Tag)
    /// A required attribute has a value that its VR does not allow (a UID that is not one, several values).
    case invalidAttribute(keyword: String, tag: Tag, reason: String)
    /// The header, before Pixel Data, needs more memory than the limit (a deflated data set counts whole).
    case headerTooLarge(limit: Int)
    /// The object ends before its Pixel Data value does.
    case truncated(expected: Int64, received: Int64)
    /// The blob store failed.
    case blobStore(BlobStoreError)
    /// The index failed to record the instance: nothing is acknowledged.
    case index(any Error)
    /// Reading the input failed (a network stream, a file).
    case source(any Error)

    /// Whether the object itself is at fault (as opposed to the archive or the input channel).
    public var isRejection: Bool {
        switch self {
        case .notDICOM, .malformed, .empty, .missingAttribute, .invalidAttribute, .headerTooLarge, .truncated: true
        case .accessDenied, .blobStore, .index, .source: false
        }
    }

    public var description: String {
        switch self {
        case .accessDenied(let denied): "access denied: \(denied)"
        case .notDICOM(let error): "not DICOM: \(error.reason)"
        case .malformed(let error): "malformed DICOM: \(error)"
        case .empty: "empty input"
        case .missingAttribute(let keyword, let tag): "missing \(keyword) \(tag)"
        case .invalidAttribute(let keyword, let tag, let reason): "invalid \(keyword) \(tag): \(reason)"
        case .headerTooLarge(let limit): "the header before Pixel Data is larger than \(limit) bytes"
        case .truncated(let expected, let received):
            "truncated: Pixel Data needs \(expected) bytes, the object has \(received)"
        case .blobStore(let error): "blob store: \(error)"
        case .index(let error): "index: \(error)"
        case .source(let error): "reading the input: \(error)"
        }
    }
}

/// Something about a stored object worth telling its sender, though it did not prevent storing it.
public struct IngestWarning: Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        /// Another object with this SOP Instance UID and other content was stored first and kept.
        case duplicateKeptFirst
        /// The new content replaced the previous version (which stays recorded).
        case replacedPrevious
        /// The object has no Patient ID: it is filed under a placeholder patient of its own study.
        case missingPatientID
        /// An indexed attribute's value does not follow its VR and was not indexed (the object keeps it).
        case invalidIndexedValue
        /// The file meta information disagrees with the data set.
        case inconsistentFileMeta
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
