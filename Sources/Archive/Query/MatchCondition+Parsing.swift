public import DICOMCore
import DICOMDictionary

/// A query value that cannot be matched as its VR requires: a date range that is not one, a UID with letters, an
/// IS that is not an integer. The message names the VR and the problem, never the value (it may identify a patient).
public struct InvalidMatchValue: Error, Hashable, Sendable, CustomStringConvertible {
    /// The key's tag, when known.
    public var tag: Tag?
    public var vr: VR
    public var reason: String

    public init(tag: Tag? = nil, vr: VR, reason: String) {
        self.tag = tag
        self.vr = vr
        self.reason = reason
    }

    public var description: String {
        let key = tag.map { "\($0) " } ?? ""
        return "invalid \(key)\(vr.rawValue) query value: \(reason)"
    }
}

extension MatchCondition {
    /// The matching that a request's value asks for, or nil for universal matching.
    ///
    /// PS3.4 §C.2.2.2. Trailing spaces (and leading ones where the VR ignores them) are padding. Then:
    /// - empty, or a lone `*` (for any VR: QIDO-RS clients send `StudyDate=*`): nil, universal matching;
    /// - DA, TM, DT: a single value or a range, `<a>-<b>`, `-<b>`, `<a>-` (§C.2.2.2.5), as `.dateRange`,
    ///   `.timeRange`, `.dateTimeRange`; `*` and `?` are not wildcards there, so such a value is invalid;
    /// - UI: one UID (`.singleValue`) or a backslash-separated list (`.list`, §C.2.2.2.2); each UID must be digits
    ///   and dots, at most 64 characters (PS3.5 §9.1);
    /// - AE, CS, LO, LT, PN, SH, ST, UC, UR, UT: `.wildcard` when the value holds `*` or `?` (§C.2.2.2.4), else
    ///   `.singleValue`; a backslash is kept as part of the value;
    /// - IS: `.singleValue` of an integer;
    /// - any other VR: `.singleValue` (the index matches no such attribute: it is returned, not matched).
    ///
    /// Throws `InvalidMatchValue` for a value its VR cannot match.
    public static func parse(_ value: String, vr: VR) throws(InvalidMatchValue) -> MatchCondition? {
        let trimmed = ValueText.trimmed(value, vr: vr)
        if trimmed.isEmpty || trimmed == "*" { return nil }
        switch vr {
        case .DA:
            guard let range = DICOMRange<DICOMDate>(trimmed) else {
                throw InvalidMatchValue(vr: vr, reason: "not a date or date range (YYYYMMDD, YYYYMMDD-YYYYMMDD)")
            }
            return .dateRange(range)
        case .TM:
            guard let range = DICOMRange<DICOMTime>(trimmed) else {
                throw InvalidMatchValue(vr: vr, reason: "not a time or time range (HHMMSS, HHMM-HHMM)")
            }
            return .timeRange(range)
        case .DT:
            guard let range = DICOMRange<DICOMDateTime>(trimmed) else {
                throw InvalidMatchValue(vr: vr, reason: "not a date-time or date-time range")
            }
            return .dateTimeRange(range)
        case .UI:
            let uids = trimmed.split(separator: "\\", omittingEmptySubsequences: false).map {
                ValueText.trimmed($0, vr: .UI)
            }
            // Leading zeros are tolerated: stored objects have them, and queries must find those objects.
            for uid in uids where !UID(uid).isWellFormed {
                throw InvalidMatchValue(vr: vr, reason: "not a UID or a backslash-separated list of UIDs")
            }
            return uids.count == 1 ? .singleValue(uids[0]) : .list(uids)
        case .IS:
            guard Int(trimmed.trimmingSpaces) != nil else {
                throw InvalidMatchValue(vr: vr, reason: "not an integer")
            }
            return .singleValue(trimmed.trimmingSpaces)
        case .AE, .CS, .LO, .LT, .PN, .SH, .ST, .UC, .UR, .UT:
            return trimmed.contains(where: { $0 == "*" || $0 == "?" }) ? .wildcard(trimmed) : .singleValue(trimmed)
        case .AS, .AT, .DS, .FD, .FL, .OB, .OD, .OF, .OL, .OV, .OW, .SL, .SQ, .SS, .SV, .UL, .UN, .US, .UV:
            return .singleValue(trimmed)
        }
    }
}

extension MatchKey {
    /// The matching key for a request's value of `tag`, or nil for universal matching.
    ///
    /// PS3.4 §C.2.2.2: parsed by `MatchCondition.parse(_:vr:)` with the data dictionary's VR (UN for unknown
    /// tags), except ModalitiesInStudy, whose backslash-separated values match any of them (PS3.4 §C.6.2.1.2).
    /// Throws `InvalidMatchValue`, with the tag, for a value its VR cannot match.
    public init?(tag: Tag, queryValue: String) throws(InvalidMatchValue) {
        let vr = DataDictionary.vr(for: tag)
        do throws(InvalidMatchValue) {
            if tag == .modalitiesInStudy {
                let values = queryValue.split(separator: "\\").map { ValueText.trimmed($0, vr: .CS) }
                    .filter { !$0.isEmpty }
                if values.count > 1 {
                    guard !values.contains(where: { $0.contains("*") || $0.contains("?") }) else {
                        throw InvalidMatchValue(vr: vr, reason: "wildcards in a list of modalities")
                    }
                    self.init(tag: tag, condition: .list(values))
                    return
                }
            }
            guard let condition = try MatchCondition.parse(queryValue, vr: vr) else { return nil }
            self.init(tag: tag, condition: condition)
        } catch {
            var error = error
            error.tag = tag
            throw error
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces.
    var trimmingSpaces: String {
        var scalars = Substring(self).unicodeScalars[...]
        while scalars.first == " " { scalars.removeFirst() }
        while scalars.last == " " { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
