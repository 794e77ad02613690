import Authentication
import Hummingbird
import NIOCore

/// Reads the parts of a streamed multipart request body with `MultipartParser`, one part at a time.
///
/// A reference type owned by one request handler (not Sendable): `nextPart()` and the part's `PartBody` share the
/// request body's iterator, so a part streams straight into its consumer (`ArchiveService.ingest`) while the body is
/// still arriving. A body longer than `maximumBodyBytes` fails with 413 as soon as it passes the limit.
final class MultipartBodyReader {
    private var iterator: RequestBody.AsyncIterator
    private var parser: MultipartParser
    private var buffer = ByteBuffer()
    private var bodyEnded = false
    private var inPart = false
    private let maximumBodyBytes: Int64
    private var bodyBytes: Int64 = 0
    /// Bytes of the current part read ahead by `readPart(upTo:)` and handed back with `unread(_:)`.
    private var replayed: ByteBuffer?

    init(body: RequestBody, parser: MultipartParser, maximumBodyBytes: Int64 = .max) {
        self.iterator = body.makeAsyncIterator()
        self.parser = parser
        self.maximumBodyBytes = maximumBodyBytes
    }

    /// Reads the current part's body into one buffer until it ends or holds at least `limit` bytes; `isComplete`
    /// tells which. The rest of an incomplete part is still to be read (after `unread(_:)` of the prefix, if wanted).
    func readPart(upTo limit: Int) async throws -> (bytes: ByteBuffer, isComplete: Bool) {
        var bytes = ByteBuffer()
        while bytes.readableBytes < limit {
            guard var chunk = try await nextBodyChunk() else { return (bytes, true) }
            if bytes.readableBytes == 0 && bytes.capacity == 0 {
                bytes = chunk
            } else {
                bytes.writeBuffer(&chunk)
            }
        }
        return (bytes, false)
    }

    /// Puts bytes taken from the current part back in front of what is left of it.
    func unread(_ bytes: ByteBuffer) {
        replayed = bytes
    }

    /// The headers of the next part (skipping what is left of the current one), or nil after the last part.
    func nextPart() async throws -> [String: String]? {
        while let event = try await nextEvent() {
            switch event {
            case .partStart(let headers):
                inPart = true
                return headers
            case .bodyChunk:
                continue
            case .partEnd:
                inPart = false
            case .end:
                return nil
            }
        }
        return nil
    }

    /// The current part's body, chunk by chunk, ending with the part.
    var partBody: PartBody { PartBody(reader: self) }

    /// The next chunk of the current part's body, or nil at its end.
    fileprivate func nextBodyChunk() async throws -> ByteBuffer? {
        if let replayed {
            self.replayed = nil
            return replayed
        }
        guard inPart else { return nil }
        while let event = try await nextEvent() {
            switch event {
            case .bodyChunk(let chunk): return chunk
            case .partEnd:
                inPart = false
                return nil
            case .partStart, .end:
                throw MultipartError(code: .malformed, offset: 0, reason: "a part ended without its delimiter")
            }
        }
        inPart = false
        return nil
    }

    private func nextEvent() async throws -> MultipartParser.Event? {
        while true {
            if let event = try parser.next(&buffer, isFinal: bodyEnded) { return event }
            if bodyEnded { return nil }
            if let chunk = try await iterator.next() {
                bodyBytes += Int64(chunk.readableBytes)
                guard bodyBytes <= maximumBodyBytes else { throw Problem.bodyTooLarge(limit: maximumBodyBytes) }
                if buffer.readableBytes == 0 {
                    buffer = chunk
                } else {
                    buffer.discardReadBytes()
                    var chunk = chunk
                    buffer.writeBuffer(&chunk)
                }
            } else {
                bodyEnded = true
            }
        }
    }

    /// One part's body as an `AsyncSequence` of chunks.
    struct PartBody: AsyncSequence {
        typealias Element = ByteBuffer
        let reader: MultipartBodyReader

        struct AsyncIterator: AsyncIteratorProtocol {
            let reader: MultipartBodyReader
            mutating func next() async throws -> ByteBuffer? { try await reader.nextBodyChunk() }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(reader: reader) }
    }
}

/// A part read whole, as the `AsyncSequence` of one chunk that `ArchiveService.ingest` takes.
struct WholePart: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let bytes: ByteBuffer

    struct AsyncIterator: AsyncIteratorProtocol {
        var bytes: ByteBuffer?
        mutating func next() async -> ByteBuffer? {
            defer { bytes = nil }
            return bytes
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(bytes: bytes) }
}

/// Writes the parts of a multipart/related response (PS3.18 §8.7.3.3): each part's headers, its bytes, and the
/// closing delimiter.
struct MultipartWriter: Sendable {
    let boundary: String

    init() {
        boundary = "nuage-" + APIKeys.randomToken(bytes: 12)
    }

    func contentType(type: String) -> String {
        "multipart/related; type=\"\(type)\"; boundary=\(boundary)"
    }

    func partHeader(contentType: String, contentLength: Int? = nil, location: String? = nil) -> ByteBuffer {
        var header = ByteBuffer()
        writePartHeader(contentType: contentType, contentLength: contentLength, location: location, into: &header)
        return header
    }

    /// Writes a part's header into `output`, piece by piece: no string is built on the way (a study's retrieval
    /// writes one per instance).
    func writePartHeader(
        contentType: String, contentLength: Int? = nil, location: String? = nil, into output: inout ByteBuffer
    ) {
        output.writeStaticString("--")
        output.writeString(boundary)
        output.writeStaticString("\r\nContent-Type: ")
        output.writeString(contentType)
        if let contentLength {
            output.writeStaticString("\r\nContent-Length: ")
            output.writeString(String(contentLength))
        }
        if let location {
            output.writeStaticString("\r\nContent-Location: ")
            output.writeString(location)
        }
        output.writeStaticString("\r\n\r\n")
    }

    /// CRLF after a part's bytes.
    var partEnd: ByteBuffer { ByteBuffer(string: "\r\n") }

    var closing: ByteBuffer { ByteBuffer(string: "--\(boundary)--\r\n") }
}
