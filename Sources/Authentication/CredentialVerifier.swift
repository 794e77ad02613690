public import Archive
public import Foundation
public import JWTKit
import Synchronization

/// Checks credentials against the directory and the configured token keys, whatever carried them (an HTTP
/// `Authorization` header, a DICOM A-ASSOCIATE-RQ's user identity), and turns them into an `AccessContext`
/// (DESIGN §4).
///
/// Every failure is an `AuthenticationFailure` whose reason is for the log only: callers answer all of them alike, so
/// that no answer tells whether an account exists. Verified passwords are remembered (a SHA-256 of the user name,
/// the password and the stored hash) so that scrypt's cost is paid once per account and password, not per request.
///
/// The accounts and API keys read from the directory are kept for `recordLifetime` (2 s by default), so that a
/// viewer's burst of requests costs one directory read rather than one each. `forgetDirectoryRecords()` drops them
/// at once: the admin API calls it after changing an account or a key, so such a change applies to the next
/// request; a change made by another process (`nuage user …` on the data folder) applies within the lifetime.
public struct CredentialVerifier: Sendable {
    public let directory: any DirectoryStore
    /// Keys that verify bearer JWTs; nil when JWTs are not accepted.
    public let jwtKeys: JWTKeyCollection?
    private let verifiedPasswords = VerifiedCredentials()
    private let recentUsers: ExpiringRecords<UserAccount>
    private let recentAPIKeys: ExpiringRecords<APIKeyRecord>

    public init(directory: any DirectoryStore, jwtKeys: JWTKeyCollection? = nil, recordLifetime: Duration = .seconds(2)) {
        self.directory = directory
        self.jwtKeys = jwtKeys
        recentUsers = ExpiringRecords(lifetime: recordLifetime)
        recentAPIKeys = ExpiringRecords(lifetime: recordLifetime)
    }

    /// Drops the accounts and API keys kept from earlier verifications: the next ones read the directory.
    public func forgetDirectoryRecords() {
        recentUsers.removeAll()
        recentAPIKeys.removeAll()
    }

    /// A hash at the standard cost that no password is checked against for real (made once, on first use).
    private static let decoyPasswordHash: String = (try? PasswordHasher.hash("decoy")) ?? ""

    /// The tenant and roles of an API key (`nuage_<id>_<secret>`) that exists, is not revoked and matches.
    public func apiKey(_ text: String) async throws(AuthenticationFailure) -> AccessContext {
        guard let (id, secret) = APIKeys.parse(text) else { throw AuthenticationFailure("malformed API key") }
        guard
            let record = try await lookUp({
                try await recentAPIKeys.record(for: id) { try await directory.apiKey(id: id) }
            }), !record.isRevoked,
            APIKeys.matches(secret, record)
        else { throw AuthenticationFailure("invalid API key") }
        return AccessContext(
            tenant: record.tenant, principal: Principal(kind: .apiKey, identifier: record.id), roles: record.roles)
    }

    /// The tenant and roles of a local account whose password this is.
    ///
    /// An unknown or disabled user costs the same scrypt work as a wrong password: timing does not tell which user
    /// names exist.
    public func password(_ password: String, username: String) async throws(AuthenticationFailure) -> AccessContext {
        guard
            let user = try await lookUp({
                try await recentUsers.record(for: username) { try await directory.user(named: username) }
            }), !user.isDisabled
        else {
            _ = PasswordHasher.verify(password, against: Self.decoyPasswordHash)
            throw AuthenticationFailure("invalid user name or password")
        }
        let fingerprint = APIKeys.sha256Hex("\(username)\u{0}\(password)\u{0}\(user.passwordHash)")
        let hash = user.passwordHash
        guard await verifiedPasswords.verify(fingerprint, { PasswordHasher.verify(password, against: hash) }) else {
            throw AuthenticationFailure("invalid user name or password")
        }
        return AccessContext(
            tenant: user.tenant, principal: Principal(kind: .user, identifier: user.username), roles: user.roles)
    }

    /// The user, tenant and roles of a signed, unexpired JWT (RFC 7519) with Nuage's claims (`NuageClaims`).
    public func bearerToken(_ token: String) async throws(AuthenticationFailure) -> AccessContext {
        guard let jwtKeys else { throw AuthenticationFailure("bearer tokens are not accepted") }
        let claims: NuageClaims
        do {
            claims = try await jwtKeys.verify(token, as: NuageClaims.self)
        } catch {
            throw AuthenticationFailure("invalid bearer token")
        }
        guard let tenant = TenantID(rawValue: claims.tenant) else {
            throw AuthenticationFailure("the token's tenant claim is not a tenant id")
        }
        let roles = Set((claims.roles ?? []).compactMap(Role.init(rawValue:)))
        return AccessContext(tenant: tenant, principal: Principal(kind: .user, identifier: claims.sub.value), roles: roles)
    }

    private func lookUp<Record>(_ body: () async throws -> Record?) async throws(AuthenticationFailure) -> Record? {
        do {
            return try await body()
        } catch {
            throw AuthenticationFailure("the directory could not be read: \(error)", isUnavailable: true)
        }
    }
}

/// Credentials that do not authenticate anyone; `reason` says why, for the log and never for the caller.
public struct AuthenticationFailure: Error, Sendable, CustomStringConvertible {
    public var reason: String
    /// The directory could not be read: the credentials may be good (a 503 rather than a 401).
    public var isUnavailable: Bool

    public init(_ reason: String, isUnavailable: Bool = false) {
        self.reason = reason
        self.isUnavailable = isUnavailable
    }

    public var description: String { reason }
}

/// Directory records by key, each kept for a fixed lifetime after it was read (bounded: emptied at 4,096 entries).
/// Absent records are not kept: an account created a moment ago is found at once.
final class ExpiringRecords<Record: Sendable>: Sendable {
    private struct Entry {
        var record: Record
        var expiry: ContinuousClock.Instant
    }

    private let lifetime: Duration
    private let entries = Mutex<[String: Entry]>([:])

    init(lifetime: Duration) {
        self.lifetime = lifetime
    }

    /// The record kept for `key` if it is still fresh; otherwise what `read` gives, kept when there is one.
    func record(for key: String, orRead read: () async throws -> Record?) async rethrows -> Record? {
        guard lifetime > .zero else { return try await read() }
        let now = ContinuousClock.now
        if let entry = entries.withLock({ $0[key] }), now < entry.expiry { return entry.record }
        let record = try await read()
        entries.withLock { entries in
            guard let record else {
                entries[key] = nil
                return
            }
            if entries.count >= 4096 { entries.removeAll() }
            entries[key] = Entry(record: record, expiry: now + lifetime)
        }
        return record
    }

    func removeAll() {
        entries.withLock { $0.removeAll() }
    }
}

/// Digests of passwords verified against their stored hash (bounded: emptied at 4,096 entries), and the
/// verifications in progress.
///
/// Concurrent requests with the same credentials share one verification: a client's first burst (a viewer opening
/// a study, a gateway's parallel STOW-RS requests) costs one scrypt run, not one per request. Four concurrent first
/// requests cost about a quarter of a CPU second before: 0.24 ms per instance of the benchmark's 1,000-instance
/// STOW-RS.
package final class VerifiedCredentials: Sendable {
    private struct State {
        var verified: Set<String> = []
        var inProgress: [String: Task<Bool, Never>] = [:]
    }

    private let state = Mutex(State())

    package init() {}

    /// Whether the credentials of `fingerprint` are good: at once when verified before, else by `check`, run once
    /// for all who ask while it runs. Only a success is remembered.
    package func verify(_ fingerprint: String, _ check: @escaping @Sendable () -> Bool) async -> Bool {
        let pending: Task<Bool, Never>? = state.withLock { state in
            if state.verified.contains(fingerprint) { return nil }
            if let running = state.inProgress[fingerprint] { return running }
            let started = Task { check() }
            state.inProgress[fingerprint] = started
            return started
        }
        guard let pending else { return true }
        let isValid = await pending.value
        state.withLock { state in
            state.inProgress[fingerprint] = nil
            guard isValid else { return }
            if state.verified.count >= 4096 { state.verified.removeAll() }
            state.verified.insert(fingerprint)
        }
        return isValid
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
