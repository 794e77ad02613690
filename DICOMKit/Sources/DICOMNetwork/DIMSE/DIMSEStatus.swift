/// A DIMSE status code with its category.
///
/// PS3.7 Annex C and the service-specific codes of PS3.4 (Annex B storage, C query/retrieve). Codes are open: any
/// 16-bit value is representable; `kind` sorts it as PS3.7 §C.1 does.
public struct DIMSEStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// The status categories of PS3.7 §C.1.
    public enum Kind: Hashable, Sendable {
        case success, pending, warning, failure, cancel
    }

    /// PS3.7 Table C-1 and PS3.4's service-specific ranges.
    public var kind: Kind {
        switch rawValue {
        case 0x0000: .success
        case 0xFF00, 0xFF01: .pending
        case 0xFE00: .cancel
        case 0x0001, 0x0107, 0x0116, 0xB000...0xBFFF: .warning
        default: .failure
        }
    }

    public var isSuccess: Bool { kind == .success }
    public var isPending: Bool { kind == .pending }
    /// Success or warning: the operation was performed.
    public var isSuccessOrWarning: Bool { kind == .success || kind == .warning }

    public var description: String { "0x" + String(rawValue, radix: 16, uppercase: true).leftPadded(to: 4) + " (\(kind))" }

    public static let success = DIMSEStatus(rawValue: 0x0000)
    /// Pending: matches or sub-operations are continuing (PS3.4 C.4.1.1.4).
    public static let pending = DIMSEStatus(rawValue: 0xFF00)
    /// Pending, but one or more optional keys were not supported (PS3.4 C.4.1.1.4).
    public static let pendingWithUnsupportedOptionalKeys = DIMSEStatus(rawValue: 0xFF01)
    public static let cancel = DIMSEStatus(rawValue: 0xFE00)
    /// PS3.7 C.4: attribute list error (warning).
    public static let attributeListError = DIMSEStatus(rawValue: 0x0107)
    /// PS3.4 B.2.3: coercion of data elements (warning).
    public static let coercionOfDataElements = DIMSEStatus(rawValue: 0xB000)
    /// PS3.4 B.2.3: data set does not match SOP class (warning).
    public static let dataSetDoesNotMatchSOPClassWarning = DIMSEStatus(rawValue: 0xB007)
    /// PS3.4 B.2.3: elements discarded (warning).
    public static let elementsDiscarded = DIMSEStatus(rawValue: 0xB006)
    /// PS3.4 C.4.2.1.5: sub-operations complete, one or more failures or warnings.
    public static let subOperationsCompleteWithFailures = DIMSEStatus(rawValue: 0xB000)
    /// PS3.7 C.5.x: processing failure.
    public static let processingFailure = DIMSEStatus(rawValue: 0x0110)
    /// PS3.7 C.5: duplicate SOP instance.
    public static let duplicateSOPInstance = DIMSEStatus(rawValue: 0x0111)
    /// PS3.7 C.5: no such SOP class.
    public static let noSuchSOPClass = DIMSEStatus(rawValue: 0x0118)
    /// PS3.7 C.5: SOP class not supported.
    public static let sopClassNotSupported = DIMSEStatus(rawValue: 0x0122)
    /// PS3.7 C.5: not authorized.
    public static let notAuthorized = DIMSEStatus(rawValue: 0x0124)
    /// PS3.7 C.5: unrecognized operation.
    public static let unrecognizedOperation = DIMSEStatus(rawValue: 0x0211)
    /// PS3.7 C.5: duplicate invocation (a message ID already in use).
    public static let duplicateInvocation = DIMSEStatus(rawValue: 0x0210)
    /// PS3.4 B.2.3 / C.4: refused, out of resources.
    public static let outOfResources = DIMSEStatus(rawValue: 0xA700)
    /// PS3.4 C.4.2.1.5: refused, out of resources, unable to calculate number of matches.
    public static let outOfResourcesUnableToCalculateMatches = DIMSEStatus(rawValue: 0xA701)
    /// PS3.4 C.4.2.1.5: refused, out of resources, unable to perform sub-operations.
    public static let outOfResourcesUnableToPerformSubOperations = DIMSEStatus(rawValue: 0xA702)
    /// PS3.4 C.4.2.1.5: refused, move destination unknown.
    public static let moveDestinationUnknown = DIMSEStatus(rawValue: 0xA801)
    /// PS3.4 B.2.3 / C.4: data set does not match SOP class, or identifier does not match SOP class.
    public static let dataSetDoesNotMatchSOPClass = DIMSEStatus(rawValue: 0xA900)
    /// PS3.4 B.2.3: cannot understand.
    public static let cannotUnderstand = DIMSEStatus(rawValue: 0xC000)
    /// PS3.4 C.4.1.1.4: unable to process.
    public static let unableToProcess = DIMSEStatus(rawValue: 0xC001)
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
