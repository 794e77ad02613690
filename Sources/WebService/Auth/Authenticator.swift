public import Archive
public import Authentication
import Foundation
import HTTPTypes
public import Hummingbird
public import JWTKit

/// Turns a request's credentials into an `AccessContext` (DESIGN §4): API keys (`Authorization: Bearer nuage_…` or
/// `X-API-Key`), HTTP Basic for local accounts (RFC 7617), and OAuth2 bearer JWTs (RFC 6750, RFC 7519) signed by a
/// configured key or one of a JWKS file.
///
/// Every failure is the same 401 with a `WWW-Authenticate` challenge: the answer never tells whether an account
/// exists. Verified Basic credentials are remembered (their SHA-256 with the stored hash) so that scrypt's cost is
/// paid once per account and password, not once per request.
public struct Authenticator: Sendable {
    public let credentials: CredentialVerifier

    public init(credentials: CredentialVerifier) {
        self.credentials = credentials
    }

    public init(directory: any DirectoryStore, jwtKeys: JWTKeyCollection? = nil) {
        self.init(credentials: CredentialVerifier(directory: directory, jwtKeys: jwtKeys))
    }

    static let challenge: HTTPFields = [.wwwAuthenticate: "Basic realm=\"nuage\", Bearer realm=\"nuage\""]

    static func unauthorized(_ detail: String) -> Problem {
        Problem(.unauthorized, detail, headers: challenge)
    }

    /// The caller of a request; throws a 401 `Problem` when it has no valid credentials (503 when the directory
    /// cannot be read).
    public func authenticate(_ request: Request, remoteAddress: String?) async throws -> AccessContext {
        var context: AccessContext
        do throws(AuthenticationFailure) {
            if let key = request.headers[HTTPField.Name("X-API-Key")!] {
                context = try await credentials.apiKey(key)
            } else if let authorization = request.headers[.authorization] {
                let parts = authorization.split(separator: " ", maxSplits: 1)
                guard parts.count == 2 else { throw AuthenticationFailure("malformed Authorization header") }
                let text = parts[1].trimmingSpacesAndTabs
                switch parts[0].lowercased() {
                case "basic": context = try await basic(text)
                case "bearer" where APIKeys.parse(text) != nil: context = try await credentials.apiKey(text)
                case "bearer": context = try await credentials.bearerToken(text)
                default: throw AuthenticationFailure("unsupported authorization scheme")
                }
            } else {
                throw AuthenticationFailure("credentials are required")
            }
        } catch {
            if error.isUnavailable {
                throw Problem(.serviceUnavailable, "the directory of accounts is unavailable; try again")
            }
            throw Self.unauthorized(error.reason)
        }
        context.origin = remoteAddress
        return context
    }

    private func basic(_ encoded: String) async throws(AuthenticationFailure) -> AccessContext {
        guard encoded.utf8.count <= 1024, let data = Data(base64Encoded: encoded),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { throw AuthenticationFailure("malformed Basic credentials") }
        return try await credentials.password(
            String(text[text.index(after: colon)...]), username: String(text[..<colon]))
    }
}

/// Authenticates every request that passes (401 otherwise) and puts the `AccessContext` in the context. CORS
/// preflight requests (OPTIONS) pass unauthenticated: the CORS middleware answers them first.
public struct AuthenticationMiddleware: RouterMiddleware {
    public typealias Context = WebContext
    let authenticator: Authenticator

    public init(_ authenticator: Authenticator) {
        self.authenticator = authenticator
    }

    public func handle(
        _ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.access = try await authenticator.authenticate(request, remoteAddress: context.remoteAddress)
        return try await next(request, context)
    }
}
