import Archive
import DICOMNetwork
import DICOMNetworkNIO
import Logging

/// The one place where ingest outcomes become C-STORE statuses (PS3.4 §B.2.3, Table B.2-1).
enum StorageStatus {
    /// Success, or a warning that the sender keeps (the instance is stored either way).
    static func status(of result: IngestResult) throws(DIMSEStatusError) -> DIMSEStatus {
        switch result.disposition {
        case .stored, .alreadyStored, .replaced:
            return .success
        case .keptFirst:
            // PS3.4 has no status for "a different object with this UID is stored": B006 (elements discarded)
            // tells the sender that what it sent was not kept, without failing it into endless retries.
            throw DIMSEStatusError(
                .elementsDiscarded,
                comment: "another object with this SOP Instance UID is stored; it was kept and this one discarded")
        }
    }

    /// The failure status of an ingest error, with a comment safe to send (no patient data).
    static func statusError(for error: any Error, logger: Logger) -> any Error {
        if let error = error as? DIMSEStatusError { return error }
        guard let error = error as? IngestError else { return error }
        let comment = String(error.description.prefix(64))
        switch error {
        case .missingAttribute, .invalidAttribute:
            return DIMSEStatusError(.dataSetDoesNotMatchSOPClass, comment: comment)
        case .notDICOM, .malformed, .empty, .truncated:
            return DIMSEStatusError(.cannotUnderstand, comment: comment)
        case .headerTooLarge:
            return DIMSEStatusError(.outOfResources, comment: comment)
        case .accessDenied:
            return DIMSEStatusError(.notAuthorized, comment: "not authorized to store in this establishment")
        case .blobStore, .index:
            logger.error("C-STORE failed in the archive", metadata: ["nuage.error": "\(error)"])
            return DIMSEStatusError(.outOfResources, comment: "the archive could not store the instance")
        case .source(let underlying):
            // The association failed while the data set arrived: nothing to answer.
            return underlying
        }
    }
}
