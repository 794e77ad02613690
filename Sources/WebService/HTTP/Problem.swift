import Archive
import DICOMImaging
import Foundation
public import Hummingbird
import Logging
import NIOCore

/// An error answered as `application/problem+json` (RFC 9457): a status, a short title and a detail that never
/// holds patient data.
///
/// Every failure of a route reaches the client in this form: `ProblemMiddleware` maps the archive's and the toolkit's
/// errors onto it, in one place (DESIGN §7). A client's mistake is a 4xx; a 5xx means the server is at fault.
public struct Problem: HTTPResponseError, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var title: String
    public var detail: String
    /// Extra response headers (Allow for 405, WWW-Authenticate for 401).
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ detail: String, title: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.title = title ?? status.reasonPhrase
        self.detail = detail
        self.headers = headers
    }

    public var description: String { "\(status.code) \(title): \(detail)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: body))
    }

    /// The JSON document.
    public var body: ByteBuffer {
        let document: [String: Any] = ["type": "about:blank", "title": title, "status": status.code, "detail": detail]
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data("{}".utf8)
        return ByteBuffer(bytes: data)
    }

    static func badRequest(_ detail: String) -> Problem { Problem(.badRequest, detail) }
    static func notFound(_ detail: String = "no such resource") -> Problem { Problem(.notFound, detail) }
    static func notAcceptable(_ detail: String) -> Problem { Problem(.notAcceptable, detail) }
    static func unsupportedMediaType(_ detail: String) -> Problem { Problem(.unsupportedMediaType, detail) }
    static func bodyTooLarge(limit: Int64) -> Problem {
        Problem(.contentTooLarge, "the request body is larger than this service takes (\(limit) bytes)")
    }
}

/// Answers every error that leaves a route as `application/problem+json`: a `Problem` as it is, Hummingbird's own
/// errors (unknown route, body too large) with their status, access refusals as 404 (another establishment's data
/// is indistinguishable from none), directory refusals as 404/409/400, and anything else as 500 (logged, with no
/// detail for the client).
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = Self.problem(for: error)
            if problem.status.kind == .serverError {
                context.logger.error(
                    "request failed", metadata: ["nuage.path": "\(request.uri.path)", "nuage.error": "\(error)"])
            }
            return try problem.response(from: request, context: context)
        }
    }

    /// The problem answered for an error.
    static func problem(for error: any Error) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let denied as AccessDenied:
            return denied.action == .read ? .notFound() : Problem(.forbidden, denied.reason)
        case let directory as DirectoryError:
            switch directory.code {
            case .notFound: return .notFound(directory.message)
            case .alreadyExists: return Problem(.conflict, directory.message)
            case .invalidValue: return .badRequest(directory.message)
            }
        case let multipart as MultipartError:
            return .badRequest(multipart.description)
        case let invalid as InvalidMatchValue:
            return .badRequest(invalid.description)
        case let pixel as PixelDataError:
            switch pixel.code {
            case .invalidParameter: return .badRequest(pixel.description)
            case .frameOutOfRange: return .notFound(pixel.description)
            case .unsupportedTransferSyntax, .unsupportedLayout: return .notAcceptable(pixel.description)
            default: return Problem(.internalServerError, "the stored pixel data cannot be decoded")
            }
        case let http as any HTTPResponseError:
            return Problem(http.status, http.status.reasonPhrase)
        default:
            return Problem(.internalServerError, "the server failed; the error is logged")
        }
    }
}
