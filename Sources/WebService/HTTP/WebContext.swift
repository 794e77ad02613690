public import Archive
public import Hummingbird
import NIOCore

/// The request context of Nuage's routes: Hummingbird's core storage and, once `AuthenticationMiddleware` has
/// run, who is calling.
public struct WebContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller's access context; nil before authentication (routes behind the middleware always have one).
    public var access: AccessContext?
    /// The peer's IP address, for audit and for `AccessContext.origin`.
    public let remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The caller's access context, or 401 when the route was reached without authentication.
    func requireAccess() throws -> AccessContext {
        guard let access else { throw Problem(.unauthorized, "credentials are required") }
        return access
    }
}
