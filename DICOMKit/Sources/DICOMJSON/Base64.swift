import NIOCore

/// The base64 alphabet of RFC 4648 §4, used by "InlineBinary" (PS3.18 §F.2.7) and PS3.19's InlineBinary.
///
/// Encoding writes straight into the output buffer, four characters per three bytes, with `=` padding. Decoding is
/// strict about the alphabet: whitespace, the URL-safe alphabet, `=` anywhere but at the end, a length that leaves a
/// single character over, or non-zero bits after the last byte are all rejected (nil), never guessed at.
enum Base64 {
    private static let alphabet: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Sextet values by character; 0xFF for bytes outside the alphabet.
    private static let sextets: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, character) in alphabet.enumerated() { table[Int(character)] = UInt8(index) }
        return table
    }()

    /// The number of characters that `bytes` encode to, padding included.
    static func encodedLength(of byteCount: Int) -> Int { (byteCount + 2) / 3 * 4 }

    /// Appends the base64 text of `bytes`.
    static func encode(_ bytes: ByteBuffer, into buffer: inout ByteBuffer) {
        let length = encodedLength(of: bytes.readableBytes)
        guard length > 0 else { return }
        bytes.withUnsafeReadableBytes { source in
            alphabet.withUnsafeBufferPointer { alphabet in
                _ = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { target in
                    var input = 0
                    var output = 0
                    let count = source.count
                    while input + 3 <= count {
                        let word =
                            UInt32(source[input]) << 16 | UInt32(source[input + 1]) << 8 | UInt32(source[input + 2])
                        target[output] = alphabet[Int(word >> 18)]
                        target[output + 1] = alphabet[Int(word >> 12 & 0x3F)]
                        target[output + 2] = alphabet[Int(word >> 6 & 0x3F)]
                        target[output + 3] = alphabet[Int(word & 0x3F)]
                        input += 3
                        output += 4
                    }
                    let remaining = count - input
                    if remaining > 0 {
                        let second = remaining == 2 ? UInt32(source[input + 1]) : 0
                        let word = UInt32(source[input]) << 16 | second << 8
                        target[output] = alphabet[Int(word >> 18)]
                        target[output + 1] = alphabet[Int(word >> 12 & 0x3F)]
                        target[output + 2] = remaining == 2 ? alphabet[Int(word >> 6 & 0x3F)] : UInt8(ascii: "=")
                        target[output + 3] = UInt8(ascii: "=")
                        output += 4
                    }
                    return output
                }
            }
        }
    }

    /// The bytes that base64 `text` encodes, or nil when it is not canonical base64.
    ///
    /// RFC 4648 §4. Padding may be left out (as some writers do), but when present it must complete the last group.
    static func decode(_ text: String) -> ByteBuffer? {
        var text = text
        return text.withUTF8 { decode($0) }
    }

    /// The bytes that the base64 characters encode, or nil when they are not canonical base64.
    static func decode(_ characters: UnsafeBufferPointer<UInt8>) -> ByteBuffer? {
        var count = characters.count
        var padding = 0
        while padding < 2, count > 0, characters[count - 1] == UInt8(ascii: "=") {
            count -= 1
            padding += 1
        }
        guard count % 4 != 1 else { return nil }
        if padding > 0, (count + padding) % 4 != 0 { return nil }
        let length = count / 4 * 3 + max(count % 4 - 1, 0)
        var output = ByteBuffer()
        guard length > 0 else { return output }
        var invalid: UInt8 = 0
        sextets.withUnsafeBufferPointer { sextets in
            _ = output.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { target in
                var input = 0
                var written = 0
                while input + 4 <= count {
                    let a = sextets[Int(characters[input])]
                    let b = sextets[Int(characters[input + 1])]
                    let c = sextets[Int(characters[input + 2])]
                    let d = sextets[Int(characters[input + 3])]
                    invalid |= (a | b | c | d) & 0xC0
                    let word = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                    target[written] = UInt8(truncatingIfNeeded: word >> 16)
                    target[written + 1] = UInt8(truncatingIfNeeded: word >> 8)
                    target[written + 2] = UInt8(truncatingIfNeeded: word)
                    input += 4
                    written += 3
                }
                let remaining = count - input
                if remaining >= 2 {
                    let a = sextets[Int(characters[input])]
                    let b = sextets[Int(characters[input + 1])]
                    let c = remaining == 3 ? sextets[Int(characters[input + 2])] : 0
                    invalid |= (a | b | c) & 0xC0
                    let word = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6
                    target[written] = UInt8(truncatingIfNeeded: word >> 16)
                    written += 1
                    if remaining == 3 {
                        target[written] = UInt8(truncatingIfNeeded: word >> 8)
                        written += 1
                    }
                    // Canonical base64 leaves the bits after the last whole byte zero.
                    if word & (remaining == 3 ? 0xFF : 0xFFFF) != 0 { invalid |= 0x40 }
                }
                return written
            }
        }
        return invalid == 0 ? output : nil
    }
}
