import DICOMCore
import DICOMDictionary

/// `IndexStore.find`: PS3.4 §C.2 matching translated to SQL with bound arguments. One SELECT reads the page (the
/// ids of the matches in an inner query, then their rows); when the page does not hold every match, a COUNT gives
/// `totalCount` (a study query on ModalitiesInStudy alone is counted on the series index). `limit: 0` only counts.
///
/// Translation of each matching key (`QueryAttributeCatalogue` decides which keys are matched):
/// - single value: `column = ?`; PN on the case-folded column with the case-folded value;
/// - wildcard: `column LIKE ? ESCAPE '\'`, the value's `\`, `%` and `_` escaped and `*` → `%`, `?` → `_`; a
///   literal prefix also becomes `column >= prefix AND column < successor` so that an index serves it, and a value
///   that is only a prefix and `*` ("DOE*") is that range alone;
/// - fuzzy PN: every word of the value must start a word of the name: `name_fuzzy LIKE '% WORD%'` (a value
///   without words, such as `?`, is matched as without fuzzy matching);
/// - list: `column IN (?, …)`;
/// - DA range: `column >= ? AND column <= ?` on YYYYMMDD text; TM range likewise on HHMMSS.FFFFFF, from the start
///   of the lower bound to the end of the upper one; open bounds are left out; with `combinesDateAndTime`,
///   StudyDate and StudyTime ranges form one date-time range;
/// - ModalitiesInStudy: `EXISTS` a series of the study with the modality.
/// Keys that the index does not match (or whose condition does not fit the attribute, such as a DT range on a
/// text attribute) are reported in `unmatchedKeys` and returned like any return key. Results are in the order the
/// rows were created (the level's id), which is stable across pages.
package struct FindProgram: SQLProgram {
    package typealias Output = IndexQueryResult

    private let query: IndexQuery
    private let scope: AccessScope
    private let dialect: SQLDialect
    private var pageRows: [SQLRow] = []
    private var unmatchedKeys: [Tag] = []

    package init(query: IndexQuery, scope: AccessScope, dialect: SQLDialect) throws(IndexStoreError) {
        guard query.offset >= 0, (query.limit ?? 0) >= 0 else {
            throw IndexStoreError(.invalidQuery, "limit and offset must not be negative")
        }
        self.query = query
        self.scope = scope
        self.dialect = dialect
    }

    /// The page: the ids of the matches first (an inner query that needs only indexes and the joins its
    /// conditions use), then the wide rows of those ids alone, so that no sort or scan carries the JSON documents.
    package mutating func start() throws -> SQLProgramStep<IndexQueryResult> {
        let alias = query.level.alias
        var builder = SQLBuilder(dialect, "SELECT ")
        builder.append(FindColumns.selectList(for: query.level, dialect: dialect))
        builder.append(" FROM \(FindColumns.fromClause(for: query.level)) WHERE \(alias).id IN (SELECT \(alias).id")
        unmatchedKeys = appendFromAndWhere(&builder, joiningUpTo: highestLevelMatched())
        builder.append(" ORDER BY \(alias).id")
        if let limit = query.limit {
            // One more than asked, to learn whether the page was cut.
            builder.append(" LIMIT ")
            builder.bind(.integer(Int64(limit) + 1))
        } else if query.offset > 0 {
            builder.append(" \(dialect.unlimited)")
        }
        if query.offset > 0 {
            builder.append(" OFFSET ")
            builder.bind(.integer(Int64(query.offset)))
        }
        builder.append(") ORDER BY \(alias).id")
        return .run([builder.statement])
    }

    package mutating func resume(with results: [[SQLRow]]) throws -> SQLProgramStep<IndexQueryResult> {
        switch stage {
        case .page:
            var rows = results.first ?? []
            let isCutAtEnd = query.limit.map { rows.count > $0 } ?? false
            if isCutAtEnd, let limit = query.limit { rows.removeLast(rows.count - limit) }
            pageRows = rows
            if isCutAtEnd || (query.offset > 0 && rows.isEmpty) {
                stage = .count
                return .run([modalitiesOnlyCount() ?? count()])
            }
            return .finished(try result(totalCount: query.offset > 0 ? query.offset + rows.count : nil))
        case .count:
            let total = try results.first?.first?.int(0) ?? 0
            return .finished(try result(totalCount: total))
        }
    }

    private func count() -> SQLStatement {
        var builder = SQLBuilder(dialect, "SELECT COUNT(*)")
        _ = appendFromAndWhere(&builder, joiningUpTo: highestLevelMatched())
        return builder.statement
    }

    /// A study query whose only condition is ModalitiesInStudy is counted on the series index alone
    /// (tenant, modality, study), without reading a study: the common "all CT studies" query.
    private func modalitiesOnlyCount() -> SQLStatement? {
        guard query.level == .study, query.matchKeys.count == 1, query.matchKeys[0].tag == .modalitiesInStudy
        else { return nil }
        var builder = SQLBuilder(
            dialect, "SELECT COUNT(DISTINCT modality_series.study_fk) FROM series modality_series WHERE ")
        builder.appendTenantFilter("modality_series.tenant", scope)
        for key in query.matchKeys {
            builder.append(" AND ")
            guard
                appendCondition(
                    key.condition, kind: .text, tag: .modality, column: "modality_series.modality", to: &builder)
            else { return nil }
        }
        return builder.statement
    }

    private enum Stage {
        case page, count
    }

    private var stage = Stage.page

    private func result(totalCount: Int?) throws(IndexStoreError) -> IndexQueryResult {
        var assembler = FindResultAssembler(level: query.level, returnKeys: query.returnKeys)
        var matches: [DataSet] = []
        matches.reserveCapacity(pageRows.count)
        for row in pageRows {
            matches.append(try assembler.dataSet(for: row))
        }
        return IndexQueryResult(matches: matches, totalCount: totalCount, unmatchedKeys: unmatchedKeys)
    }

    // MARK: - FROM and WHERE

    /// The highest level (nearest the patient) whose columns a condition uses: the count needs no join above it.
    private func highestLevelMatched() -> QueryLevel {
        var highest = query.level
        for key in query.matchKeys {
            if let attribute = QueryAttributeCatalogue.matchableAttribute(key.tag, at: query.level),
                attribute.level.depth < highest.depth
            {
                highest = attribute.level
            }
        }
        return highest
    }

    /// Appends the joins (up to the patient, or to `joiningUpTo`) and the conditions; returns the keys that were
    /// not matched.
    private func appendFromAndWhere(
        _ builder: inout SQLBuilder, joiningUpTo topLevel: QueryLevel = .patient
    )
        -> [Tag]
    {
        builder.append(" FROM ")
        builder.append(FindColumns.fromClause(for: query.level, upTo: topLevel))
        builder.append(" WHERE ")
        // Every joined table is filtered by tenant: the schema already ties a row's tenant to its parent's, but
        // the planner needs the tenant to use indexes that start with it (patients by name, studies by date…).
        for (index, level) in query.level.levelsFromPatient.reversed().enumerated() where level.depth >= topLevel.depth
        {
            if index > 0 { builder.append(" AND ") }
            builder.appendTenantFilter("\(level.alias).tenant", scope)
        }
        var unmatched: [Tag] = []
        let combined = combinedDateTimeRange()
        for key in query.matchKeys {
            if combined != nil && (key.tag == .studyDate || key.tag == .studyTime) { continue }
            guard let attribute = QueryAttributeCatalogue.matchableAttribute(key.tag, at: query.level) else {
                unmatched.append(key.tag)
                continue
            }
            // Built on a copy: a condition that does not fit the attribute leaves the statement untouched.
            var attempt = builder
            attempt.append(" AND ")
            if appendCondition(key.condition, kind: attribute.kind, tag: attribute.tag, to: &attempt) {
                builder = attempt
            } else {
                unmatched.append(key.tag)
            }
        }
        if let combined {
            appendCombinedDateTime(combined.date, combined.time, to: &builder)
        }
        return unmatched
    }

    /// Appends one condition; false when it does not fit the attribute (nothing appended).
    private func appendCondition(
        _ condition: MatchCondition, kind: QueryAttributeCatalogue.MatchingKind, tag: Tag,
        column: String? = nil, to builder: inout SQLBuilder
    ) -> Bool {
        let column = column ?? FindColumns.column(for: tag)
        switch (kind, condition) {
        case (.text, .singleValue(let value)), (.uid, .singleValue(let value)):
            builder.append("\(column) = ")
            builder.bind(.text(value))
        case (.text, .wildcard(let pattern)), (.uid, .wildcard(let pattern)):
            appendLike(column, pattern: pattern, to: &builder)
        case (.text, .list(let values)), (.uid, .list(let values)):
            builder.append("\(column) IN ")
            builder.bindList(values.map(SQLValue.text))
        case (.personName, .singleValue(let value)), (.personName, .wildcard(let value)):
            if query.fuzzyPersonNames, !PersonNameMatching.fuzzyQueryWords(value).isEmpty {
                return appendFuzzy(FindColumns.fuzzyColumn(for: tag), value: value, to: &builder)
            }
            let folded = PersonNameMatching.caseFolded(value)
            if case .wildcard = condition {
                appendLike(column, pattern: folded, to: &builder)
            } else {
                builder.append("\(column) = ")
                builder.bind(.text(folded))
            }
        case (.personName, .list(let values)):
            builder.append("\(column) IN ")
            builder.bindList(values.map { .text(PersonNameMatching.caseFolded($0)) })
        case (.date, .dateRange(let range)):
            return appendRange(
                column, lower: range.lower?.description, upper: range.upper?.description, to: &builder)
        case (.date, .singleValue(let value)):
            guard let range = DICOMRange<DICOMDate>(value) else { return false }
            return appendRange(
                column, lower: range.lower?.description, upper: range.upper?.description, to: &builder)
        case (.time, .timeRange(let range)):
            return appendTimeRange(column, range, to: &builder)
        case (.time, .singleValue(let value)):
            guard let range = DICOMRange<DICOMTime>(value) else { return false }
            return appendTimeRange(column, range, to: &builder)
        case (.integer, .singleValue(let value)):
            guard let integer = Int64(value.trimmingSpaces) else { return false }
            builder.append("\(column) = ")
            builder.bind(.integer(integer))
        case (.integer, .list(let values)):
            let integers = values.compactMap { Int64($0.trimmingSpaces) }
            guard integers.count == values.count else { return false }
            builder.append("\(column) IN ")
            builder.bindList(integers.map(SQLValue.integer))
        case (.modalitiesInStudy, .singleValue), (.modalitiesInStudy, .wildcard), (.modalitiesInStudy, .list):
            // Correlated: a filter probing the series index (tenant, study, modality), so that the planner keeps
            // driving from the other conditions' indexes (an uncorrelated IN list would drive SQLite's plan).
            builder.append(
                "EXISTS (SELECT 1 FROM series modality_series WHERE modality_series.tenant = s.tenant"
                    + " AND modality_series.study_fk = s.id AND ")
            guard
                appendCondition(
                    condition, kind: .text, tag: .modality, column: "modality_series.modality", to: &builder)
            else { return false }
            builder.append(")")
        default:
            return false
        }
        return true
    }

    private func appendRange(
        _ column: String, lower: String?, upper: String?, to builder: inout SQLBuilder
    ) -> Bool {
        switch (lower, upper) {
        case (nil, nil):
            return false
        case (let lower?, let upper?) where lower == upper:
            builder.append("\(column) = ")
            builder.bind(.text(lower))
        default:
            var separator = ""
            if let lower {
                builder.append("\(column) >= ")
                builder.bind(.text(lower))
                separator = " AND "
            }
            if let upper {
                builder.append("\(separator)\(column) <= ")
                builder.bind(.text(upper))
            }
        }
        return true
    }

    private func appendTimeRange(
        _ column: String, _ range: DICOMRange<DICOMTime>, to builder: inout SQLBuilder
    ) -> Bool {
        appendRange(
            column, lower: range.lower.map(IndexValueFormat.earliestInstant(of:)),
            upper: range.upper.map(IndexValueFormat.latestInstant(of:)), to: &builder)
    }

    /// `column LIKE pattern ESCAPE '\'`, and a prefix range when the pattern starts with literal text.
    ///
    /// A pattern that is literal text then `*` (the common "DOE*") is the prefix range alone: in byte order, which
    /// both dialects compare text in, the range holds exactly the texts that start with the prefix. Leaving LIKE
    /// out matters for SQLite, which compiles a statement again each time a LIKE pattern is bound to it.
    private func appendLike(_ column: String, pattern: String, to builder: inout SQLBuilder) {
        let like = LikePattern(wildcard: pattern)
        let successor = like.literalPrefix.isEmpty ? nil : LikePattern.successor(of: like.literalPrefix)
        if like.isPrefixMatch, let successor {
            builder.append("\(column) >= ")
            builder.bind(.text(like.literalPrefix))
            builder.append(" AND \(column) < ")
            builder.bind(.text(successor))
            return
        }
        builder.append("\(column) LIKE ")
        builder.bind(.text(like.pattern))
        builder.append(" ESCAPE '\\'")
        if !like.literalPrefix.isEmpty {
            builder.append(" AND \(column) >= ")
            builder.bind(.text(like.literalPrefix))
            if let successor {
                builder.append(" AND \(column) < ")
                builder.bind(.text(successor))
            }
        }
    }

    /// Every word of the value must start a word of the name; false when the value has no word.
    private func appendFuzzy(_ column: String, value: String, to builder: inout SQLBuilder) -> Bool {
        let words = PersonNameMatching.fuzzyQueryWords(value)
        guard !words.isEmpty else { return false }
        for (index, word) in words.enumerated() {
            if index > 0 { builder.append(" AND ") }
            builder.append("\(column) LIKE ")
            builder.bind(.text("% " + LikePattern.escaped(word) + "%"))
            builder.append(" ESCAPE '\\'")
        }
        return true
    }

    // MARK: - Combined date and time

    /// The StudyDate and StudyTime ranges, when the query combines them and has both.
    private func combinedDateTimeRange() -> (date: DICOMRange<DICOMDate>, time: DICOMRange<DICOMTime>)? {
        guard query.combinesDateAndTime, query.level != .patient else { return nil }
        var date: DICOMRange<DICOMDate>?
        var time: DICOMRange<DICOMTime>?
        for key in query.matchKeys {
            switch (key.tag, key.condition) {
            case (.studyDate, .dateRange(let range)): date = range
            case (.studyDate, .singleValue(let value)): date = DICOMRange<DICOMDate>(value)
            case (.studyTime, .timeRange(let range)): time = range
            case (.studyTime, .singleValue(let value)): time = DICOMRange<DICOMTime>(value)
            default: continue
            }
        }
        guard let date, let time else { return nil }
        return (date, time)
    }

    /// PS3.4 §C.2.2.2.5.1: from (lower date, lower time) to (upper date, upper time); a time without its date is
    /// meaningless and ignored, a study without a time counts as midnight.
    private func appendCombinedDateTime(
        _ date: DICOMRange<DICOMDate>, _ time: DICOMRange<DICOMTime>, to builder: inout SQLBuilder
    ) {
        let studyTime = "COALESCE(s.study_time, '\(IndexValueFormat.startOfDay)')"
        if let lowerDate = date.lower?.description {
            builder.append(" AND s.study_date >= ")
            builder.bind(.text(lowerDate))
            if let lowerTime = time.lower.map(IndexValueFormat.earliestInstant(of:)) {
                builder.append(" AND (s.study_date > ")
                builder.bind(.text(lowerDate))
                builder.append(" OR \(studyTime) >= ")
                builder.bind(.text(lowerTime))
                builder.append(")")
            }
        }
        if let upperDate = date.upper?.description {
            builder.append(" AND s.study_date <= ")
            builder.bind(.text(upperDate))
            if let upperTime = time.upper.map(IndexValueFormat.latestInstant(of:)) {
                builder.append(" AND (s.study_date < ")
                builder.bind(.text(upperDate))
                builder.append(" OR \(studyTime) <= ")
                builder.bind(.text(upperTime))
                builder.append(")")
            }
        }
    }
}

/// A DICOM wildcard value as a LIKE pattern with `\` as the escape character.
package struct LikePattern: Hashable, Sendable {
    /// The LIKE pattern: the value's `\`, `%` and `_` escaped, `*` → `%`, `?` → `_`.
    package var pattern: String
    /// The text before the first wildcard, unescaped: every match starts with it.
    package var literalPrefix: String
    /// Whether the value is its literal prefix followed by `*` wildcards only: every text that starts with the
    /// prefix matches.
    package var isPrefixMatch: Bool

    package init(wildcard value: String) {
        var pattern = ""
        var prefix = ""
        var inPrefix = true
        var isPrefixMatch = true
        for character in value {
            switch character {
            case "*":
                pattern.append("%")
                inPrefix = false
            case "?":
                pattern.append("_")
                inPrefix = false
                isPrefixMatch = false
            default:
                pattern += Self.escaped(String(character))
                if inPrefix { prefix.append(character) } else { isPrefixMatch = false }
            }
        }
        self.pattern = pattern
        self.literalPrefix = prefix
        self.isPrefixMatch = isPrefixMatch && !inPrefix
    }

    /// The text with LIKE's special characters (`\`, `%`, `_`) escaped by `\`.
    package static func escaped(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "\\" || character == "%" || character == "_" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    /// The smallest text greater than every text that starts with `prefix` in byte (code point) order: the prefix
    /// with its last scalar incremented; nil when it cannot be (it ends with U+10FFFF).
    package static func successor(of prefix: String) -> String? {
        var scalars = Array(prefix.unicodeScalars)
        guard let last = scalars.popLast() else { return nil }
        var next = last.value + 1
        if (0xD800...0xDFFF).contains(next) { next = 0xE000 }
        guard let scalar = Unicode.Scalar(next) else { return nil }
        scalars.append(scalar)
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars)
        return text
    }
}
