import HTTPTypes
public import Hummingbird

/// Cross-origin resource sharing for browser viewers (Fetch standard, CORS protocol): requests from an allowed
/// origin get `Access-Control-Allow-Origin` (and the DICOMweb headers a viewer reads exposed); preflight requests
/// (OPTIONS with Access-Control-Request-Method) are answered here, before authentication, with 204.
///
/// `allowedOrigins` lists exact origins (`https://viewer.example.org`), or `*` for any. Requests from other origins
/// pass without CORS headers, so the browser withholds the response.
public struct CORSPolicyMiddleware<Context: RequestContext>: RouterMiddleware {
    public let allowedOrigins: Set<String>

    public init(allowedOrigins: [String]) {
        self.allowedOrigins = Set(allowedOrigins)
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let origin = request.headers[.origin], allowedOrigins.contains("*") || allowedOrigins.contains(origin) else {
            return try await next(request, context)
        }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            var response = Response(status: .noContent)
            addHeaders(to: &response, origin: origin)
            response.headers[.accessControlAllowMethods] = "GET, HEAD, POST, PUT, DELETE, OPTIONS"
            response.headers[.accessControlAllowHeaders] = "Accept, Authorization, Content-Type, X-API-Key"
            response.headers[.accessControlMaxAge] = "600"
            return response
        }
        var response = try await next(request, context)
        addHeaders(to: &response, origin: origin)
        return response
    }

    private func addHeaders(to response: inout Response, origin: String) {
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.accessControlExposeHeaders] = "Warning, Content-Location, Content-Type"
        response.headers.append(HTTPField(name: .vary, value: "Origin"))
    }
}
