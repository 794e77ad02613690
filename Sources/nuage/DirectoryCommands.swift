import Archive
import ArgumentParser
import Foundation

/// `nuage ae`: the registry of DICOM application entities (DESIGN §4): which calling AE titles belong to which
/// establishment, and where C-MOVE sends to.
struct ApplicationEntityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ae",
        abstract: "Manage the DICOM application entities (AE titles) the archive knows.",
        subcommands: [Add.self, List.self, Remove.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register an AE title (or replace its registration).",
            discussion: """
                Associations calling with TITLE are accepted into the AE's establishment. With --host and --port \
                the AE is also a C-MOVE destination; --check-address accepts its associations from --host only.
                """)

        @Argument(help: "The AE title (1 to 16 characters).")
        var title: String

        @Option(help: "Host name or address of the AE (C-MOVE destination, address check).")
        var host: String?

        @Option(help: "Port the AE listens on (C-MOVE destination).")
        var port: Int?

        @Option(help: "The establishment (tenant) the AE belongs to.")
        var tenant = TenantID.defaultTenant.rawValue

        @Flag(help: "Accept associations calling with this title only from --host.")
        var checkAddress = false

        @OptionGroup var data: DataOptions

        func run() async throws {
            let tenant = try parsedTenant(tenant)
            let entity = ApplicationEntity(
                title: title, tenant: tenant, host: host, port: port, checksAddress: checkAddress)
            try await data.withDirectory { directory in
                try await directory.saveApplicationEntity(entity)
            }
            print("registered \(ApplicationEntity.normalizedTitle(title) ?? title) in \(tenant)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the registered AE titles.")

        @Option(help: "Only this establishment's AEs.")
        var tenant: String?

        @OptionGroup var data: DataOptions

        func run() async throws {
            let tenant = try tenant.map(parsedTenant)
            let entities = try await data.withDirectory { directory in
                try await directory.applicationEntities(tenant: tenant)
            }
            print(Self.table(entities))
        }

        static func table(_ entities: [ApplicationEntity]) -> String {
            var lines = [["TITLE", "TENANT", "HOST", "PORT", "CHECKS ADDRESS"]]
            for entity in entities {
                lines.append([
                    entity.title, entity.tenant.rawValue, entity.host ?? "-", entity.port.map(String.init) ?? "-",
                    entity.checksAddress ? "yes" : "no",
                ])
            }
            return alignedColumns(lines)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an AE title from the registry.")

        @Argument(help: "The AE title.")
        var title: String

        @OptionGroup var data: DataOptions

        func run() async throws {
            let removed = try await data.withDirectory { directory in
                try await directory.removeApplicationEntity(title: title)
            }
            guard removed else { throw CommandFailure("no AE titled \(title) is registered") }
            print("removed \(title)")
        }
    }
}

/// `nuage tenant`: the establishments the archive serves.
struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant",
        abstract: "Manage the establishments (tenants) whose data the archive keeps apart.",
        subcommands: [Add.self, List.self, SetCompression.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an establishment.")

        @Argument(help: "Its id: lower-case letters, digits and hyphens (appears in URLs, keys and logs).")
        var id: String

        @Option(help: "Its name as people know it.")
        var name: String

        @Option(
            help: ArgumentHelp(
                "Lossless compression at rest of its uncompressed instances: none, rle, jpeg-ls or jpeg-2000.",
                valueName: "method"))
        var compression = CompressionAtRest.none.rawValue

        @OptionGroup var data: DataOptions

        func run() async throws {
            let tenant = try parsedTenant(id)
            try await data.withDirectory { directory in
                try await directory.createTenant(
                    TenantRecord(id: tenant, name: name, compression: try parsedCompression(compression)))
            }
            print("created \(tenant)")
        }
    }

    struct SetCompression: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set an establishment's lossless compression at rest (none: keep instances as received).",
            discussion: "Instances are re-encoded afterwards, by `nuage compress` or the service of `nuage serve`; "
                + "none stops further compression but does not decompress.")

        @Argument(help: "The establishment's id.")
        var id: String

        @Argument(help: ArgumentHelp("none, rle, jpeg-ls or jpeg-2000.", valueName: "method"))
        var compression: String

        @OptionGroup var data: DataOptions

        func run() async throws {
            let tenant = try parsedTenant(id)
            let method = try parsedCompression(compression)
            try await data.withDirectory { directory in
                try await directory.setCompression(method, of: tenant)
            }
            print("\(tenant): compression at rest \(method.rawValue)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the establishments.")

        @OptionGroup var data: DataOptions

        func run() async throws {
            let tenants = try await data.withDirectory { directory in try await directory.tenants() }
            print(
                alignedColumns(
                    [["ID", "COMPRESSION", "NAME"]]
                        + tenants.map { [$0.id.rawValue, $0.compression.rawValue, $0.name] }))
        }
    }
}

/// A compression-at-rest name given on the command line, or a usage error naming the accepted ones.
func parsedCompression(_ text: String) throws -> CompressionAtRest {
    guard let compression = CompressionAtRest(rawValue: text) else {
        throw ValidationError("\"\(text)\" is not a compression at rest (\(CompressionAtRest.names))")
    }
    return compression
}

/// A tenant id given on the command line, or a usage error saying what one looks like.
func parsedTenant(_ text: String) throws -> TenantID {
    guard let tenant = TenantID(rawValue: text) else {
        throw ValidationError("\"\(text)\" is not a tenant id (1 to 63 lower-case letters, digits and hyphens)")
    }
    return tenant
}

/// Rows as text columns padded to the widest cell, two spaces apart.
func alignedColumns(_ rows: [[String]]) -> String {
    let columnCount = rows.map(\.count).max() ?? 0
    let widths = (0..<columnCount).map { column in
        rows.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0
    }
    return rows.map { row in
        row.enumerated().map { column, cell in
            column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
        }
        .joined(separator: "  ")
    }
    .joined(separator: "\n")
}
