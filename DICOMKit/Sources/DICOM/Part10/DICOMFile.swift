public import DICOMCore
public import NIOCore

/// A DICOM file: preamble, file meta information and the data set (PS3.10 §7).
public struct DICOMFile: Hashable, Sendable {
    /// The 128-byte preamble as read, or nil for a file that had none (a bare data set).
    public var preamble: ByteBuffer?
    /// The file meta information group (0002,xxxx), always Explicit VR Little Endian.
    public var fileMetaInformation: DataSet
    /// The data set that follows the meta group.
    public var dataSet: DataSet
    /// The transfer syntax of `dataSet`: from (0002,0010), or detected for a file without meta information.
    public var transferSyntax: TransferSyntax

    public init(
        preamble: ByteBuffer? = nil, fileMetaInformation: DataSet, dataSet: DataSet, transferSyntax: TransferSyntax
    ) {
        self.preamble = preamble
        self.fileMetaInformation = fileMetaInformation
        self.dataSet = dataSet
        self.transferSyntax = transferSyntax
    }

    /// Whether the reader met the Pixel Data element and stopped before it (see `DICOMReadOptions`).
    public var stoppedBeforePixelData: Bool = false

    /// Departures from the standard that the reader repaired (as DCMTK and pydicom do) to read the file.
    public var warnings: [DICOMParseError] = []

    /// Equality compares content: preamble, meta information, data set and transfer syntax.
    public static func == (lhs: DICOMFile, rhs: DICOMFile) -> Bool {
        lhs.preamble == rhs.preamble && lhs.fileMetaInformation == rhs.fileMetaInformation
            && lhs.dataSet == rhs.dataSet && lhs.transferSyntax == rhs.transferSyntax
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(fileMetaInformation)
        hasher.combine(dataSet)
    }
}

/// How to read a DICOM file or data set.
public struct DICOMReadOptions: Sendable {
    /// Stop at the Pixel Data element's header: the rest of the file is never read.
    public var stopsBeforePixelData: Bool
    /// Primitive values at least this long stay in the file as `.bulkData(.file(…))` references instead of being
    /// read (only for files read from a path; ignored for bytes in memory).
    public var bulkDataThreshold: UInt32?
    /// Sequences nested deeper than this are rejected.
    public var maximumNestingDepth: Int
    /// A deflated data set that inflates past this is rejected (a small deflated file can expand a
    /// thousandfold; deflated data sets in practice are small).
    public var maximumInflatedLength: Int
    /// Keep each top-level sequence as its encoded bytes and build its items when something first reads them
    /// (`DeferredSequence`), as pydicom does: a reader that wants a few top-level attributes is spared building
    /// the items of every sequence. The bytes are still checked as they are read, so a file is accepted or rejected,
    /// with the same error, whether or not sequences are deferred. Ignored with a `bulkDataThreshold` (values in
    /// sequences then become bulk data references, which needs the items built).
    public var defersSequences: Bool

    public init(
        stopsBeforePixelData: Bool = false, bulkDataThreshold: UInt32? = nil, maximumNestingDepth: Int = 64,
        maximumInflatedLength: Int = 256 << 20, defersSequences: Bool = false
    ) {
        self.stopsBeforePixelData = stopsBeforePixelData
        self.bulkDataThreshold = bulkDataThreshold
        self.maximumNestingDepth = maximumNestingDepth
        self.maximumInflatedLength = maximumInflatedLength
        self.defersSequences = defersSequences
    }
}

/// A file could not be read: the operating system's error, or the bytes' (with the path).
public enum DICOMFileError: Error, Hashable, Sendable, CustomStringConvertible {
    case io(path: String, operation: String, errno: Int32)
    case parse(path: String, DICOMParseError)

    public var description: String {
        switch self {
        case .io(let path, let operation, let errno): "\(path): \(operation) failed (errno \(errno))"
        case .parse(let path, let error): "\(path): \(error)"
        }
    }
}
