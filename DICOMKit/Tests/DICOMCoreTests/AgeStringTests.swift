import DICOMCore
import Testing

@Suite("AgeString (AS)")
struct AgeStringTests {
    @Test(arguments: [
        ("018M", 18, AgeString.Unit.months),
        ("000D", 0, .days),
        ("999Y", 999, .years),
        ("052W", 52, .weeks),
        ("045Y", 45, .years),
    ])
    func parsesValidAges(text: String, value: Int, unit: AgeString.Unit) throws {
        let age = try #require(AgeString(text))
        #expect(age.value == value)
        #expect(age.unit == unit)
        #expect(age.description == text)
    }

    @Test(arguments: [
        "", "18M", "0018M", "018m", "018", "018X", " 18M", "18 M", "-18M", "+18Y", "1.5Y", "018MM", "YYYY", "０１８M",
    ])
    func rejectsInvalidAges(text: String) {
        #expect(AgeString(text) == nil)
    }

    @Test func componentInitValidates() {
        #expect(AgeString(value: 1000, unit: .years) == nil)
        #expect(AgeString(value: -1, unit: .days) == nil)
        #expect(AgeString(value: 7, unit: .days)?.description == "007D")
        #expect(AgeString.Unit.allCases.map(\.rawValue) == ["D", "W", "M", "Y"])
    }
}
