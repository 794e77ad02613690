public import DICOMCore

/// A query against the index: the level, the matching keys, the return keys and the page wanted (PS3.4 §C.2,
/// PS3.18 §10.6).
///
/// Build it from request values with `addKey(_:queryValue:)`, which parses each value as PS3.4 §C.2.2.2 describes
/// and sorts it into a matching key or a plain return key.
public struct IndexQuery: Hashable, Sendable {
    public var level: QueryLevel
    /// Conditions that every result meets (the keys with a value; universal keys are not listed here).
    public var matchKeys: [MatchKey]
    /// Keys that every match carries, with the index's value or empty (PS3.4 §C.2.2.2.3 universal matching, QIDO-RS
    /// `includefield`). Matches also carry every attribute the index keeps for their level and the levels above.
    public var returnKeys: Set<Tag>
    /// At most this many results; nil for all.
    public var limit: Int?
    /// Results to skip before the first returned.
    public var offset: Int
    /// Person names match with fuzzy semantics (PS3.18 `fuzzymatching=true`): each word of the query value is a
    /// case- and accent-insensitive prefix of some component of the name.
    public var fuzzyPersonNames: Bool
    /// A StudyDate range and a StudyTime range together form one date-time range (PS3.4 §C.2.2.2.5.1, combined
    /// datetime matching, negotiated by C-FIND extended negotiation): "20200101-20200102" with "1000-1200" matches
    /// from 2020-01-01 10:00 to 2020-01-02 12:00:59. When false, each is matched on its own.
    public var combinesDateAndTime: Bool

    public init(
        level: QueryLevel, matchKeys: [MatchKey] = [], returnKeys: Set<Tag> = [], limit: Int? = nil,
        offset: Int = 0, fuzzyPersonNames: Bool = false, combinesDateAndTime: Bool = false
    ) {
        self.level = level
        self.matchKeys = matchKeys
        self.returnKeys = returnKeys
        self.limit = limit
        self.offset = offset
        self.fuzzyPersonNames = fuzzyPersonNames
        self.combinesDateAndTime = combinesDateAndTime
    }

    /// Adds a key of a request: always a return key, and a matching key when its value asks for matching.
    ///
    /// PS3.4 §C.2.2.2. The VR is the data dictionary's (`MatchKey(tag:queryValue:)`); an empty value or a lone `*`
    /// is universal matching. Throws `InvalidMatchValue` when the value cannot be matched as its VR requires (a
    /// date that is not a date): C-FIND answers A900, QIDO-RS 400.
    public mutating func addKey(_ tag: Tag, queryValue: String) throws(InvalidMatchValue) {
        returnKeys.insert(tag)
        if let key = try MatchKey(tag: tag, queryValue: queryValue) {
            matchKeys.append(key)
        }
    }
}

/// One condition on one attribute.
public struct MatchKey: Hashable, Sendable {
    public var tag: Tag
    public var condition: MatchCondition

    public init(tag: Tag, condition: MatchCondition) {
        self.tag = tag
        self.condition = condition
    }
}

/// The kinds of matching of PS3.4 §C.2.2.2.
///
/// Dates, times and date-times always come as ranges: a single value is a range whose bounds are equal
/// (`DICOMRange.isSingleValue`), which matches the whole period the value denotes ("1200" is 12:00:00 to 12:00:59).
public enum MatchCondition: Hashable, Sendable {
    /// Equal to the value (§C.2.2.2.1); case-sensitive except for PN, which the index matches case-insensitively
    /// (PS3.4 leaves it to the SCP).
    case singleValue(String)
    /// `*` matches any sequence of characters, `?` any single character (§C.2.2.2.4).
    case wildcard(String)
    /// Any of the values: list of UID matching (§C.2.2.2.2), and the multiple values of ModalitiesInStudy.
    case list([String])
    /// Dates between the bounds, inclusive; either bound may be open (§C.2.2.2.5).
    case dateRange(DICOMRange<DICOMDate>)
    /// Times between the start of the lower bound and the end of the upper bound; either bound may be open.
    case timeRange(DICOMRange<DICOMTime>)
    /// Date-times between the start of the lower bound and the end of the upper bound; either may be open.
    case dateTimeRange(DICOMRange<DICOMDateTime>)
}

/// Matches, whether more exist past the page, and which keys were returned without being matched.
public struct IndexQueryResult: Hashable, Sendable {
    /// One data set per match: the attributes the index keeps for the level and the levels above, the computed
    /// attributes (NumberOfStudyRelatedSeries/Instances, NumberOfSeriesRelatedInstances, ModalitiesInStudy…), the
    /// query's return keys (empty when unknown), and Specific Character Set "ISO_IR 192": text is UTF-8.
    public var matches: [DataSet]
    /// The total number of matches when the page was cut by `limit` or `offset`, else nil.
    public var totalCount: Int?
    /// Keys of the query that the index does not match on (PS3.4 §C.2.2.1 lets an SCP skip them): they were
    /// treated as return keys. Callers may warn about them.
    public var unmatchedKeys: [Tag]

    public init(matches: [DataSet], totalCount: Int? = nil, unmatchedKeys: [Tag] = []) {
        self.matches = matches
        self.totalCount = totalCount
        self.unmatchedKeys = unmatchedKeys
    }
}
