/// An error of the DICOM Upper Layer or of DIMSE: what went wrong and where, as a small extensible code and a reason.
///
/// Every decoder of network bytes in this module throws only this type; the network layer maps it to an A-ABORT
/// (`abortReason`) in one place.
public struct DICOMNetworkError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: Hashable, Sendable {
        /// A PDU type that PS3.8 §9.3 does not define.
        case unrecognizedPDU
        /// A PDU longer than the maximum this side accepts.
        case pduTooLong
        /// A PDU or item whose lengths are inconsistent or that ends early.
        case malformedPDU
        /// An item or sub-item type that cannot appear where it was found.
        case unexpectedItem
        /// A parameter whose value is invalid (protocol version, UID, AE title, context ID).
        case invalidParameter
        /// A PDU that is not allowed in the association's current state.
        case unexpectedPDU
        /// A DIMSE command set that cannot be decoded or lacks a required element.
        case invalidCommand
        /// A command set, or another bounded structure, larger than its limit.
        case limitExceeded
        /// A message fragment out of order (data before command, a context switch mid-message…).
        case unexpectedFragment
        /// The association was rejected, aborted or closed before the operation finished.
        case associationClosed
        /// No accepted presentation context fits the operation.
        case noPresentationContext
    }

    public var code: Code
    public var reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code): \(reason)" }

    /// The A-ABORT reason that reports this error to the peer (PS3.8 §9.3.8).
    public var abortReason: AbortReason {
        switch code {
        case .unrecognizedPDU: .unrecognizedPDU
        case .unexpectedPDU, .unexpectedFragment: .unexpectedPDU
        case .unexpectedItem: .unexpectedPDUParameter
        case .pduTooLong, .malformedPDU, .invalidParameter, .invalidCommand, .limitExceeded: .invalidPDUParameterValue
        case .associationClosed, .noPresentationContext: .notSpecified
        }
    }
}
