import ArgumentParser
import Logging
import NuageServer

/// `nuage serve`: the archive server (DICOMweb and the admin API over HTTP) in the foreground, until SIGTERM or
/// SIGINT (Ctrl-C), which stop it gracefully.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the archive server (DICOMweb, admin API, DICOM SCP) until SIGTERM or SIGINT.",
        discussion: """
            Configuration: a JSON file (--config, or NUAGE_CONFIG_FILE) and NUAGE_* environment variables, which \
            win; every key is in docs/configuration.md. With none, the embedded defaults: HTTP on port 8080, \
            DICOMweb under /dicomweb, DICOM on port 11112 as AE NUAGE, SQLite index and files in ./nuage-data. \
            The first start creates the tenant \
            "default" and an "admin" account (password from NUAGE_ADMIN_PASSWORD, or generated and printed once).
            """
    )

    @Option(help: "A JSON configuration file (environment variables override its values).")
    var config: String?

    func run() async throws {
        let configuration: ServerConfiguration
        do {
            configuration = try await ServerConfiguration.load(file: config)
        } catch {
            throw ValidationError("\(error)")
        }
        var logger = Logger(label: "nuage") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
        let announcer = logger
        try await NuageServer.run(configuration, logger: logger) { address in
            announcer.notice("listening", metadata: ["nuage.address": "\(address.map { "\($0)" } ?? "?")"])
        }
    }
}
