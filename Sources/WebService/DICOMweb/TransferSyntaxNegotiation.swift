import Archive
import DICOMCore
import DICOMImaging

/// What a WADO-RS client accepts for `application/dicom` parts, from its Accept header (PS3.18 §8.7.3.5.2), and
/// what that means for each stored instance.
enum DICOMTransferRequest: Hashable, Sendable {
    /// `transfer-syntax=*`: the stored bytes, whatever their syntax.
    case asStored
    /// No transfer-syntax parameter: Explicit VR Little Endian (§8.7.3.5.2's default) when the stored syntax can be
    /// decoded, the stored bytes otherwise (a decision of ours: a viewer that sent no parameter gets the image rather
    /// than a 406 for a syntax no codec here decodes, MPEG say).
    case preferred
    /// One syntax by UID.
    case specific(TransferSyntax)

    /// The request of the first acceptable Accept entry; 406 when none admits multipart/related application/dicom,
    /// or when the syntax named is unknown.
    init(accept header: String?) throws {
        for entry in MediaType.acceptList(header) {
            let isMultipartDICOM =
                entry.admits("multipart", "related")
                && (entry.parameters["type"].map { MediaType(parsing: $0).admits("application", "dicom") } ?? true)
            guard isMultipartDICOM || entry.admits("application", "dicom") else { continue }
            guard let syntax = entry.parameters["transfer-syntax"] else {
                self = .preferred
                return
            }
            if syntax == "*" {
                self = .asStored
                return
            }
            if let known = TransferSyntax(uid: UID(syntax)) {
                self = .specific(known)
                return
            }
        }
        throw Problem.notAcceptable("only multipart/related; type=\"application/dicom\" is served here, with a known transfer-syntax")
    }

    /// What to send for an instance stored in `storedUID`, `storedSize` bytes: nil for the stored bytes, a syntax to
    /// convert to, or 406. A conversion holds the instance whole in memory, decoded (several times its stored size
    /// when it is compressed): an instance over `conversionLimit` bytes goes as stored when no syntax was named, and
    /// is refused (406) when one was.
    func conversion(fromStored storedUID: String, storedSize: Int64, conversionLimit: Int64) throws
        -> TransferSyntax?
    {
        let stored = TransferSyntax(uid: UID(storedUID))
        switch self {
        case .asStored:
            return nil
        case .preferred:
            guard let stored, stored != .explicitVRLittleEndian, storedSize <= conversionLimit,
                Transcoder.canTranscode(from: stored, to: .explicitVRLittleEndian)
            else { return nil }
            return .explicitVRLittleEndian
        case .specific(let wanted):
            if wanted.uid.rawValue == storedUID { return nil }
            guard let stored, Transcoder.canTranscode(from: stored, to: wanted) else {
                throw Problem.notAcceptable(
                    "the instance is stored as \(storedUID) and cannot be converted to \(wanted.uid.rawValue)")
            }
            guard storedSize <= conversionLimit else {
                throw Problem.notAcceptable(
                    "the instance is stored as \(storedUID) in \(storedSize) bytes; instances over \(conversionLimit) "
                        + "bytes are served as stored only (transfer-syntax=*)")
            }
            return wanted
        }
    }
}
