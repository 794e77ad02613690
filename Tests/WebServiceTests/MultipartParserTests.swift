import NIOCore
import NuageTestSupport
import Testing
import WebService

/// The sans-I/O multipart reader, drip-fed: the same events whatever the chunking.
struct MultipartParserTests {
    static let body =
        "preamble to skip\r\n--XyZ\r\nContent-Type: application/dicom\r\nX-Other:  padded \r\n\r\nfirst\r\n--Xy-part"
        + "\r\n--XyZ  \r\n\r\n\r\n--XyZ--\r\nepilogue"

    /// Feeds `body` in chunks of `size` and collects the events, body chunks joined per part.
    static func parse(_ body: String, boundary: String = "XyZ", chunk size: Int) throws -> [String] {
        guard var parser = MultipartParser(boundary: boundary, maximumHeaderBytes: 128) else { return ["no parser"] }
        var events: [String] = []
        var part = ""
        var input = ByteBuffer()
        var pending = ByteBuffer(string: body)
        while true {
            let isFinal = pending.readableBytes == 0
            if let event = try parser.next(&input, isFinal: isFinal) {
                switch event {
                case .partStart(let headers):
                    events.append("start " + headers.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))
                case .bodyChunk(let chunk): part += String(buffer: chunk)
                case .partEnd:
                    events.append("body [\(part)]")
                    part = ""
                case .end: events.append("end")
                }
                continue
            }
            if isFinal { break }
            if var next = pending.readSlice(length: min(size, pending.readableBytes)) {
                input.discardReadBytes()
                input.writeBuffer(&next)
            }
        }
        return events
    }

    @Test(arguments: [1, 2, 3, 7, 16, 1000])
    func sameEventsWhateverTheChunking(size: Int) throws {
        #expect(
            try Self.parse(Self.body, chunk: size) == [
                "start content-type=application/dicom,x-other=padded", "body [first\r\n--Xy-part]",
                "start ", "body []", "end",
            ])
    }

    @Test(arguments: [
        ("--XyZ\r\nA: b\r\n\r\nno closing delimiter", MultipartError.Code.truncated),
        ("no delimiter at all", .truncated),
        ("--XyZ\r\nno-colon-line\r\n\r\nx\r\n--XyZ--", .malformed),
        ("--XyZ garbage\r\n\r\n", .malformed),
        ("--XyZ\r\nA: \(String(repeating: "v", count: 200))\r\n\r\nx\r\n--XyZ--", .headerTooLarge),
    ])
    func malformedBodiesThrowTypedErrors(body: String, code: MultipartError.Code) {
        #expect(throws: MultipartError.self) { try Self.parse(body, chunk: 5) }
        do {
            _ = try Self.parse(body, chunk: 5)
        } catch let error as MultipartError {
            #expect(error.code == code)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    /// Hostile input: random mutations of a valid body, fed in random chunks, end in events or a `MultipartError`,
    /// never a crash, a hang or unbounded buffering (a deterministic generator, so a failure replays).
    @Test func mutatedBodiesNeverCrash() throws {
        var generator = SplitMix(seed: 0x5EED)
        let valid = Array(Self.body.utf8)
        var refused = 0
        for _ in 0..<2000 {
            var bytes = valid
            for _ in 0..<Int(generator.next() % 6) {
                let position = Int(generator.next() % UInt64(bytes.count))
                switch generator.next() % 3 {
                case 0: bytes[position] = UInt8(truncatingIfNeeded: generator.next())
                case 1: bytes.remove(at: position)
                default: bytes.insert(contentsOf: Array("\r\n--XyZ".utf8).prefix(Int(generator.next() % 8)), at: position)
                }
            }
            guard var parser = MultipartParser(boundary: "XyZ", maximumHeaderBytes: 64) else { return }
            var input = ByteBuffer()
            var pending = ByteBuffer(bytes: bytes)
            var steps = 0
            do {
                while steps < 10_000 {
                    steps += 1
                    let isFinal = pending.readableBytes == 0
                    if try parser.next(&input, isFinal: isFinal) != nil { continue }
                    if isFinal { break }
                    if var chunk = pending.readSlice(length: min(1 + Int(generator.next() % 9), pending.readableBytes)) {
                        input.discardReadBytes()
                        input.writeBuffer(&chunk)
                    }
                    #expect(input.readableBytes <= 64 + 16)
                }
            } catch {
                refused += 1  // the parser throws MultipartError only (typed throws)
            }
            #expect(steps < 10_000)
        }
        // The mutations reach both outcomes: some bodies still parse, others are refused.
        #expect(refused > 0 && refused < 2000)
    }

    @Test func boundaryLengthIsBounded() {
        #expect(MultipartParser(boundary: "") == nil)
        #expect(MultipartParser(boundary: String(repeating: "b", count: 71)) == nil)
    }

    @Test func aLargePartStreamsInBoundedChunks() throws {
        var parser = try #require(MultipartParser(boundary: "b"))
        var input = ByteBuffer(string: "--b\r\n\r\n")
        #expect(try parser.next(&input, isFinal: false) == .partStart(headers: [:]))
        var received = 0
        for _ in 0..<100 {
            input.writeRepeatingByte(0x41, count: 4096)
            while let event = try parser.next(&input, isFinal: false) {
                guard case .bodyChunk(let chunk) = event else { Issue.record("unexpected \(event)"); return }
                received += chunk.readableBytes
            }
            #expect(input.readableBytes < 8)  // only a possible delimiter's start is held back
        }
        #expect(received >= 100 * 4096 - 8)
    }
}

struct MediaTypeTests {
    @Test func parsesParametersAndQuality() {
        let accept = MediaType.acceptList(
            "application/json;q=0.5, multipart/related; type=\"application/dicom\"; transfer-syntax=*, text/html;q=0")
        #expect(accept.map(\.essence) == ["multipart/related", "application/json"])
        #expect(accept[0].parameters == ["type": "application/dicom", "transfer-syntax": "*"])
        #expect(MediaType.acceptList(nil).map(\.essence) == ["*/*"])
        #expect(MediaType(parsing: "garbage").type.isEmpty)
    }

    @Test func quotedValuesKeepTheirSeparatorsAndResolveQuotedPairs() {
        let accept = MediaType.acceptList(
            "multipart/related;\ttype=\"a/b, c\" ; boundary=\"x;\\\"y\\\\z\"\t,\tImage/JPEG ; Q=0.9 ,\t")
        #expect(accept.map(\.essence) == ["multipart/related", "image/jpeg"])
        #expect(accept[0].parameters == ["type": "a/b, c", "boundary": "x;\"y\\z"])
        #expect(accept[1].quality == 0.9)
        #expect(MediaType.acceptList(" \t ").map(\.essence) == ["*/*"])
        #expect(MediaType(parsing: "text/plain; charset=").parameters == ["charset": ""])
        #expect(MediaType(parsing: "text/plain; name=\"\"").parameters == ["name": ""])
        #expect(MediaType(parsing: "text/plain; name=\"").parameters == ["name": "\""])
    }
}

