public import Archive
public import Foundation
import HTTPTypes
import Crypto
public import Hummingbird
public import JWTKit
import Synchronization

/// Turns a request's credentials into an `AccessContext` (DESIGN §4): API keys (`Authorization: Bearer nuage_…` or
/// `X-API-Key`), HTTP Basic for local accounts (RFC 7617), and OAuth2 bearer JWTs (RFC 6750, RFC 7519) signed by a
/// configured key or one of a JWKS file.
///
/// Every failure is the same 401 with a `WWW-Authenticate` challenge: the answer never tells whether an account
/// exists. Verified Basic credentials are remembered (their SHA-256 with the stored hash) so that scrypt's cost is
/// paid once per account and password, not once per request.
public struct Authenticator: Sendable {
    public let directory: any DirectoryStore
    /// Keys that verify bearer JWTs; nil when JWTs are not accepted.
    public let jwtKeys: JWTKeyCollection?
    private let verifiedBasic = VerifiedCredentials()

    public init(directory: any DirectoryStore, jwtKeys: JWTKeyCollection? = nil) {
        self.directory = directory
        self.jwtKeys = jwtKeys
    }

    /// A hash at the standard cost that no password is checked against for real (made once, on first use).
    private static let decoyPasswordHash: String = (try? PasswordHasher.hash("decoy")) ?? ""

    static let challenge: HTTPFields = [.wwwAuthenticate: "Basic realm=\"nuage\", Bearer realm=\"nuage\""]

    static func unauthorized(_ detail: String) -> Problem {
        Problem(.unauthorized, detail, headers: challenge)
    }

    /// The caller of a request; throws a 401 `Problem` when it has no valid credentials.
    public func authenticate(_ request: Request, remoteAddress: String?) async throws -> AccessContext {
        var context: AccessContext
        if let key = request.headers[HTTPField.Name("X-API-Key")!] {
            context = try await apiKey(key)
        } else if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { throw Self.unauthorized("malformed Authorization header") }
            let credentials = parts[1].trimmingCharacters(in: .whitespaces)
            switch parts[0].lowercased() {
            case "basic": context = try await basic(credentials)
            case "bearer" where APIKeys.parse(credentials) != nil: context = try await apiKey(credentials)
            case "bearer": context = try await jwt(credentials)
            default: throw Self.unauthorized("unsupported authorization scheme")
            }
        } else {
            throw Self.unauthorized("credentials are required")
        }
        context.origin = remoteAddress
        return context
    }

    private func apiKey(_ text: String) async throws -> AccessContext {
        guard let (id, secret) = APIKeys.parse(text), let record = try await directory.apiKey(id: id),
            !record.isRevoked, APIKeys.matches(secret, record)
        else { throw Self.unauthorized("invalid API key") }
        return AccessContext(
            tenant: record.tenant, principal: Principal(kind: .apiKey, identifier: record.id), roles: record.roles)
    }

    private func basic(_ encoded: String) async throws -> AccessContext {
        guard encoded.utf8.count <= 1024, let data = Data(base64Encoded: encoded),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { throw Self.unauthorized("malformed Basic credentials") }
        let username = String(text[..<colon])
        let password = String(text[text.index(after: colon)...])
        guard let user = try await directory.user(named: username), !user.isDisabled else {
            // The same scrypt work as for a wrong password, so that timing does not tell which user names exist.
            _ = PasswordHasher.verify(password, against: Self.decoyPasswordHash)
            throw Self.unauthorized("invalid user name or password")
        }
        let fingerprint = APIKeys.sha256Hex("\(username)\u{0}\(password)\u{0}\(user.passwordHash)")
        if !verifiedBasic.contains(fingerprint) {
            guard PasswordHasher.verify(password, against: user.passwordHash) else {
                throw Self.unauthorized("invalid user name or password")
            }
            verifiedBasic.insert(fingerprint)
        }
        return AccessContext(
            tenant: user.tenant, principal: Principal(kind: .user, identifier: user.username), roles: user.roles)
    }

    private func jwt(_ token: String) async throws -> AccessContext {
        guard let jwtKeys else { throw Self.unauthorized("bearer tokens are not accepted") }
        let claims: NuageClaims
        do {
            claims = try await jwtKeys.verify(token, as: NuageClaims.self)
        } catch {
            throw Self.unauthorized("invalid bearer token")
        }
        guard let tenant = TenantID(rawValue: claims.tenant) else {
            throw Self.unauthorized("the token's tenant claim is not a tenant id")
        }
        let roles = Set((claims.roles ?? []).compactMap(Role.init(rawValue:)))
        return AccessContext(tenant: tenant, principal: Principal(kind: .user, identifier: claims.sub.value), roles: roles)
    }
}

/// Digests of Basic credentials verified against their stored hash (bounded: emptied at 4,096 entries).
final class VerifiedCredentials: Sendable {
    private let digests = Mutex<Set<String>>([])

    func contains(_ digest: String) -> Bool { digests.withLock { $0.contains(digest) } }

    func insert(_ digest: String) {
        digests.withLock {
            if $0.count >= 4096 { $0.removeAll() }
            $0.insert(digest)
        }
    }
}

/// The claims Nuage reads from a bearer JWT: `sub` (the user), `exp` (required), `tenant` (the establishment's
/// tenant id) and `roles` (Nuage role names; unknown ones are ignored).
public struct NuageClaims: JWTPayload, Equatable {
    public var sub: SubjectClaim
    public var exp: ExpirationClaim
    public var tenant: String
    public var roles: [String]?

    public init(sub: String, exp: Date, tenant: String, roles: [String]? = nil) {
        self.sub = SubjectClaim(value: sub)
        self.exp = ExpirationClaim(value: exp)
        self.tenant = tenant
        self.roles = roles
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
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
