public import Archive
public import Authentication
public import Hummingbird

/// Settings of the HTTP service's routes.
public struct WebServiceConfiguration: Sendable {
    public var dicomWeb: DICOMWebConfiguration
    /// Origins allowed by CORS (`*` for any); empty turns CORS off.
    public var corsOrigins: [String]
    /// The cost of password hashes made by the admin API.
    public var passwordCost: PasswordHasher.Cost

    public init(
        dicomWeb: DICOMWebConfiguration = DICOMWebConfiguration(), corsOrigins: [String] = [],
        passwordCost: PasswordHasher.Cost = .standard
    ) {
        self.dicomWeb = dicomWeb
        self.corsOrigins = corsOrigins
        self.passwordCost = passwordCost
    }
}

/// Nuage's HTTP routes in one router: `/health` (no authentication), then behind authentication the DICOMweb
/// studies service, WADO-URI and the admin API; problem+json for every error, CORS around everything.
public enum WebRouter {
    public static func make(
        archive: ArchiveService, directory: any DirectoryStore, authenticator: Authenticator,
        metadataCache: SeriesMetadataCache, configuration: WebServiceConfiguration
    ) -> Router<WebContext> {
        let router = Router(context: WebContext.self)
        if !configuration.corsOrigins.isEmpty {
            router.add(middleware: CORSPolicyMiddleware(allowedOrigins: configuration.corsOrigins))
        }
        router.add(middleware: ProblemMiddleware())
        router.get("health") { _, _ in "ok" }
        let authenticated = router.group().add(middleware: AuthenticationMiddleware(authenticator))
        DICOMWebService(archive: archive, metadataCache: metadataCache, configuration: configuration.dicomWeb)
            .addRoutes(to: authenticated)
        AdminService(
            archive: archive, directory: directory, passwordCost: configuration.passwordCost,
            credentials: authenticator.credentials)
            .addRoutes(to: authenticated)
        return router
    }
}
