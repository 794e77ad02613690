import DICOMCore
import Testing

@Suite("PersonName (PN)")
struct PersonNameTests {
    @Test func splitsFiveComponents() {
        let name = PersonName("Adams^John Robert Quincy^^Rev.^B.A. M.Div.")
        #expect(name.alphabetic.familyName == "Adams")
        #expect(name.alphabetic.givenName == "John Robert Quincy")
        #expect(name.alphabetic.middleName == "")
        #expect(name.alphabetic.namePrefix == "Rev.")
        #expect(name.alphabetic.nameSuffix == "B.A. M.Div.")
        #expect(name.ideographic.isEmpty)
        #expect(name.phonetic.isEmpty)
        #expect(name.description == "Adams^John Robert Quincy^^Rev.^B.A. M.Div.")
    }

    /// PS3.5 Annex H (Japanese), I (Chinese) and J (Korean), as decoded text.
    @Test(arguments: [
        ("Yamada^Tarou=山田^太郎=やまだ^たろう", "Yamada", "Tarou", "山田", "太郎", "やまだ", "たろう"),
        ("Wang^XiaoDong=王^小東=", "Wang", "XiaoDong", "王", "小東", "", ""),
        ("Wang^XiaoDong=王^小东=", "Wang", "XiaoDong", "王", "小东", "", ""),
        ("Hong^Gildong=洪^吉洞=홍^길동", "Hong", "Gildong", "洪", "吉洞", "홍", "길동"),
    ])
    func readsAnnexExamples(
        text: String, family: String, given: String, ideographicFamily: String, ideographicGiven: String,
        phoneticFamily: String, phoneticGiven: String
    ) {
        let name = PersonName(text)
        #expect(name.alphabetic == PersonName.ComponentGroup(familyName: family, givenName: given))
        #expect(
            name.ideographic == PersonName.ComponentGroup(familyName: ideographicFamily, givenName: ideographicGiven))
        #expect(name.phonetic == PersonName.ComponentGroup(familyName: phoneticFamily, givenName: phoneticGiven))
        #expect(PersonName(name.description) == name)
    }

    @Test(arguments: [
        ("Wang^XiaoDong=王^小東=", "Wang^XiaoDong=王^小東"),
        ("Smith^John^^^", "Smith^John"),
        ("Smith^^^^", "Smith"),
        ("Smith==", "Smith"),
        ("^^^^", ""),
        ("^^^^=^^^^=^^^^", ""),
        ("==", ""),
        ("", ""),
        ("Smith^John^^^=^^^^=", "Smith^John"),
        ("=山田^太郎=", "=山田^太郎"),
    ])
    func dropsTrailingEmptyComponentsAndGroups(text: String, description: String) {
        #expect(PersonName(text).description == description)
        #expect(PersonName(description) == PersonName(text))
    }

    /// Well-formed values (no trailing empty components or groups) come back byte for byte.
    @Test(arguments: [
        "Yamada^Tarou=山田^太郎=やまだ^たろう", "Wang^XiaoDong=王^小東", "Hong^Gildong=洪^吉洞=홍^길동", "Smith",
        "Smith^John", "^John", "^^Middle", "^^^Dr.", "^^^^Jr.", "Smith^John^Q^Dr.^Jr.", "=山田^太郎", "==やまだ^たろう",
        "Yamada^Tarou==やまだ^たろう", "Müller^Jürgen", "O'Brien^Seán", "Smith ^ John ", " Smith", "Ng^Mei Ling",
        "Доктор^Иван", "Wang^XiaoDong=王^小東=wáng^xiǎodōng",
    ])
    func roundTripsWellFormedValues(text: String) {
        #expect(PersonName(text).description == text)
    }

    @Test(arguments: ["A^B^C^D^E^F", "A^B^C^D^E^^", "a=b=c=d", "a=b=c^d^e^f^g^h=i", "^^^^^"])
    func keepsExtraDelimitersOfMalformedValues(text: String) {
        #expect(PersonName(text).description == text)
    }

    @Test func extraDelimitersStayInTheLastComponentAndGroup() {
        let name = PersonName("A^B^C^D^E^F=x=y=z")
        #expect(name.alphabetic.nameSuffix == "E^F")
        #expect(name.phonetic.familyName == "y=z")
    }

    @Test func buildsFromComponents() {
        let name = PersonName(
            alphabetic: .init(familyName: "Yamada", givenName: "Tarou"),
            ideographic: .init(familyName: "山田", givenName: "太郎"),
            phonetic: .init(familyName: "やまだ", givenName: "たろう"))
        #expect(name.description == "Yamada^Tarou=山田^太郎=やまだ^たろう")
        #expect(PersonName().isEmpty)
        #expect(PersonName().description == "")
        #expect(PersonName(phonetic: .init(nameSuffix: "Jr.")).description == "==^^^^Jr.")
    }

    @Test func componentGroupParsesAlone() {
        let group = PersonName.ComponentGroup("山田^太郎")
        #expect(group.familyName == "山田")
        #expect(group.givenName == "太郎")
        #expect(group.description == "山田^太郎")
        #expect(!group.isEmpty)
        #expect(PersonName.ComponentGroup("").isEmpty)
    }

    @Test func combiningMarksAfterADelimiterStayWithTheComponent() {
        // U+0301 after "^" forms one Character with it; PN delimiters are bytes, so it belongs to the given name.
        let name = PersonName("Smith^\u{301}a")
        #expect(name.alphabetic.familyName == "Smith")
        #expect(name.alphabetic.givenName.unicodeScalars.first == "\u{301}")
        #expect(name.description == "Smith^\u{301}a")
    }
}
