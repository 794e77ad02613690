/// Where one object of the file blob store lives, parsed from its key or made for a new upload.
///
/// A key is `<tenant>/<aa>/<bb>/<name>`: `name` is 32 lower-case hexadecimal digits and `aa`, `bb` are its first
/// two pairs of digits, the shard directory (the other 28 digits are random). Two levels of 256 directories per
/// tenant keep every directory small (about 15,000 entries at a billion objects per tenant). The grammar leaves no
/// room for "..", "/" or any other path trick: a key that does not match it exactly names no file.
struct FileBlobLocation: Hashable, Sendable {
    let tenant: TenantID
    /// 32 lower-case hexadecimal digits.
    let name: String

    static let nameLength = 32

    /// A location in the shard directory `shard` (its 16 bits are the name's first four digits) with a fresh
    /// random name.
    static func random(for tenant: TenantID, shard: UInt16) -> FileBlobLocation {
        var generator = SystemRandomNumberGenerator()
        var name = ""
        name.reserveCapacity(nameLength)
        for shift in stride(from: 12, through: 0, by: -4) {
            name.append(hexDigit(Int((shard >> UInt16(shift)) & 0xF)))
        }
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        // 28 more random digits: 112 bits, so that names never collide in practice.
        for shift in stride(from: 44, through: 0, by: -4) {
            name.append(hexDigit(Int((high >> UInt64(shift)) & 0xF)))
        }
        for shift in stride(from: 60, through: 0, by: -4) {
            name.append(hexDigit(Int((low >> UInt64(shift)) & 0xF)))
        }
        return FileBlobLocation(tenant: tenant, name: name)
    }

    private init(tenant: TenantID, name: String) {
        self.tenant = tenant
        self.name = name
    }

    /// Parses a key; nil unless it has exactly the shape the store makes.
    ///
    /// Read byte by byte from the end (every retrieval checks each key it reads): "/aa/bb/" and the name have fixed
    /// lengths, so the tenant is what comes before them.
    init?(key: BlobKey) {
        let utf8 = key.rawValue.utf8
        // "<tenant>/" + "aa/bb/" + 32 digits.
        let suffixLength = 1 + 6 + Self.nameLength
        guard utf8.count > suffixLength else { return nil }
        let tenantEnd = utf8.index(utf8.endIndex, offsetBy: -suffixLength)
        let suffix = Array(utf8[tenantEnd...])
        let name = suffix[7...]
        let slash = UInt8(ascii: "/")
        guard suffix[0] == slash, suffix[3] == slash, suffix[6] == slash,
            suffix[1] == name[name.startIndex], suffix[2] == name[name.startIndex + 1],
            suffix[4] == name[name.startIndex + 2], suffix[5] == name[name.startIndex + 3],
            name.allSatisfy(Self.isLowerHex),
            let tenant = TenantID(rawValue: String(key.rawValue[..<tenantEnd]))
        else { return nil }
        self.init(tenant: tenant, name: String(decoding: name, as: UTF8.self))
    }

    /// Whether the text is 32 lower-case hexadecimal digits.
    static func isValidName(_ text: String) -> Bool {
        text.utf8.count == nameLength && text.utf8.allSatisfy(isLowerHex)
    }

    /// Whether the text is a shard directory name: two lower-case hexadecimal digits.
    static func isValidShard(_ text: String) -> Bool {
        text.utf8.count == 2 && text.utf8.allSatisfy(isLowerHex)
    }

    var firstShard: String { String(name.prefix(2)) }
    var secondShard: String { String(name.dropFirst(2).prefix(2)) }

    var key: BlobKey { BlobKey(rawValue: "\(tenant.rawValue)/\(firstShard)/\(secondShard)/\(name)") }

    /// The directory of the object, relative to the store's root.
    var directory: String { "\(tenant.rawValue)/\(firstShard)/\(secondShard)" }

    /// The object's path relative to the store's root.
    var relativePath: String { directory + "/" + name }

    /// The name of the upload's temporary in the tenant's temporary area.
    var temporaryName: String { name + FileBlobLocation.temporarySuffix }

    static let temporarySuffix = ".tmp"
    /// The tenant's temporary area, relative to its folder.
    static let temporaryDirectory = "tmp"

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }

    private static func hexDigit(_ value: Int) -> Character {
        Character(Unicode.Scalar(UInt8(value < 10 ? 48 + value : 87 + value)))
    }
}
