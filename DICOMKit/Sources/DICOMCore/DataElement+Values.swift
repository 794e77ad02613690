// Typed readers for the default-repertoire text VRs whose values have a grammar: DA, TM, DT, DS, IS, UI and AS.
//
// Each reads `asciiStrings()` (split at backslashes, padding removed by the VR's rules) and parses every value.
// An element with no value, or only padding, gives no values. A value that does not parse, an empty value among
// others ("1\\\\2"), or an element that holds no primitive value throws `invalidValue` with the element's tag;
// the error's reason names the value's position, never its text, which may identify a patient.

extension DataElement {
    /// The dates of a DA value (PS3.5 §6.2 DA); throws `invalidValue` when one is not a valid date.
    public func dates() throws(DICOMParseError) -> [DICOMDate] {
        try parsedValues("DA date") { DICOMDate($0) }
    }

    /// The first date of a DA value, nil when there is none (PS3.5 §6.2 DA); throws as `dates()`.
    public func date() throws(DICOMParseError) -> DICOMDate? { try dates().first }

    /// The times of a TM value (PS3.5 §6.2 TM); throws `invalidValue` when one is not a valid time.
    public func times() throws(DICOMParseError) -> [DICOMTime] {
        try parsedValues("TM time") { DICOMTime($0) }
    }

    /// The first time of a TM value, nil when there is none (PS3.5 §6.2 TM); throws as `times()`.
    public func time() throws(DICOMParseError) -> DICOMTime? { try times().first }

    /// The date-times of a DT value (PS3.5 §6.2 DT); throws `invalidValue` when one is not a valid date-time.
    public func dateTimes() throws(DICOMParseError) -> [DICOMDateTime] {
        try parsedValues("DT date-time") { DICOMDateTime($0) }
    }

    /// The first date-time of a DT value, nil when there is none (PS3.5 §6.2 DT); throws as `dateTimes()`.
    public func dateTime() throws(DICOMParseError) -> DICOMDateTime? { try dateTimes().first }

    /// The numbers of a DS value (PS3.5 §6.2 DS); throws `invalidValue` when one is not a decimal string of at most
    /// 16 bytes or is too large for a finite `Double`.
    public func decimals() throws(DICOMParseError) -> [Double] {
        try parsedValues("DS decimal string") { DecimalString.parse($0) }
    }

    /// The first number of a DS value, nil when there is none (PS3.5 §6.2 DS); throws as `decimals()`.
    public func decimal() throws(DICOMParseError) -> Double? { try decimals().first }

    /// The integers of an IS value (PS3.5 §6.2 IS); throws `invalidValue` when one is not an integer string of at
    /// most 12 bytes in -2^31 ... 2^31-1.
    public func integerStrings() throws(DICOMParseError) -> [Int] {
        try parsedValues("IS integer string") { DecimalString.parseInteger($0) }
    }

    /// The first integer of an IS value, nil when there is none (PS3.5 §6.2 IS); throws as `integerStrings()`.
    public func integerString() throws(DICOMParseError) -> Int? { try integerStrings().first }

    /// The identifiers of a UI value, trailing NUL padding removed (PS3.5 §6.2 UI, §9.1).
    ///
    /// Only empty values are rejected: identifiers are not checked against §9.1, since stored objects with, say, a
    /// leading zero in a component must still be read and written back unchanged. Check `UID.isValid` where it
    /// matters.
    public func uids() throws(DICOMParseError) -> [UID] {
        try parsedValues("UI identifier") { $0.isEmpty ? nil : UID($0) }
    }

    /// The first identifier of a UI value, nil when there is none (PS3.5 §6.2 UI); throws as `uids()`.
    public func uid() throws(DICOMParseError) -> UID? { try uids().first }

    /// The age of an AS value, nil when there is none (PS3.5 §6.2 AS); throws `invalidValue` when a value is not
    /// "nnnD", "nnnW", "nnnM" or "nnnY".
    public func ageString() throws(DICOMParseError) -> AgeString? {
        try parsedValues("AS age string") { AgeString($0) }.first
    }

    /// Parses every value of `asciiStrings()`; none for an empty or all-padding element.
    private func parsedValues<Parsed>(
        _ kind: String, _ parse: (String) -> Parsed?
    ) throws(DICOMParseError) -> [Parsed] {
        let strings = try asciiStrings()
        if strings.count == 1 && strings[0].isEmpty { return [] }
        var values: [Parsed] = []
        values.reserveCapacity(strings.count)
        for (index, string) in strings.enumerated() {
            guard let value = parse(string) else {
                throw DICOMParseError(
                    .invalidValue, "value \(index + 1) of \(strings.count) is not a valid \(kind)", tagPath: [tag])
            }
            values.append(value)
        }
        return values
    }
}

extension DataSet {
    /// The first date of the DA element with the tag; nil when absent or empty. Throws as `DataElement.dates()`.
    public func date(_ tag: Tag) throws(DICOMParseError) -> DICOMDate? { try self[tag]?.date() }

    /// The dates of the DA element with the tag; none when absent or empty. Throws as `DataElement.dates()`.
    public func dates(_ tag: Tag) throws(DICOMParseError) -> [DICOMDate] { try self[tag]?.dates() ?? [] }

    /// The first time of the TM element with the tag; nil when absent or empty. Throws as `DataElement.times()`.
    public func time(_ tag: Tag) throws(DICOMParseError) -> DICOMTime? { try self[tag]?.time() }

    /// The times of the TM element with the tag; none when absent or empty. Throws as `DataElement.times()`.
    public func times(_ tag: Tag) throws(DICOMParseError) -> [DICOMTime] { try self[tag]?.times() ?? [] }

    /// The first date-time of the DT element with the tag; nil when absent or empty. Throws as
    /// `DataElement.dateTimes()`.
    public func dateTime(_ tag: Tag) throws(DICOMParseError) -> DICOMDateTime? { try self[tag]?.dateTime() }

    /// The date-times of the DT element with the tag; none when absent or empty. Throws as
    /// `DataElement.dateTimes()`.
    public func dateTimes(_ tag: Tag) throws(DICOMParseError) -> [DICOMDateTime] {
        try self[tag]?.dateTimes() ?? []
    }

    /// The first number of the DS element with the tag; nil when absent or empty. Throws as
    /// `DataElement.decimals()`.
    public func decimal(_ tag: Tag) throws(DICOMParseError) -> Double? { try self[tag]?.decimal() }

    /// The numbers of the DS element with the tag; none when absent or empty. Throws as `DataElement.decimals()`.
    public func decimals(_ tag: Tag) throws(DICOMParseError) -> [Double] { try self[tag]?.decimals() ?? [] }

    /// The first integer of the IS element with the tag; nil when absent or empty. Throws as
    /// `DataElement.integerStrings()`.
    public func integerString(_ tag: Tag) throws(DICOMParseError) -> Int? { try self[tag]?.integerString() }

    /// The integers of the IS element with the tag; none when absent or empty. Throws as
    /// `DataElement.integerStrings()`.
    public func integerStrings(_ tag: Tag) throws(DICOMParseError) -> [Int] {
        try self[tag]?.integerStrings() ?? []
    }

    /// The first identifier of the UI element with the tag; nil when absent or empty. Throws as `DataElement.uids()`.
    public func uid(_ tag: Tag) throws(DICOMParseError) -> UID? { try self[tag]?.uid() }

    /// The identifiers of the UI element with the tag; none when absent or empty. Throws as `DataElement.uids()`.
    public func uids(_ tag: Tag) throws(DICOMParseError) -> [UID] { try self[tag]?.uids() ?? [] }

    /// The age of the AS element with the tag; nil when absent or empty. Throws as `DataElement.ageString()`.
    public func ageString(_ tag: Tag) throws(DICOMParseError) -> AgeString? { try self[tag]?.ageString() }
}
