import ArgumentParser

/// The `nuage` command line: the archive server and the tools around it.
@main
struct NuageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nuage",
        abstract: "Nuage, a cloud medical-imaging archive.",
        subcommands: [
            DumpCommand.self, ImportCommand.self, VerifyCommand.self, StatsCommand.self, ReconcileCommand.self,
            ApplicationEntityCommand.self, TenantCommand.self, CompressCommand.self, ServeCommand.self,
            EchoCommand.self, SendCommand.self, FindCommand.self, MoveCommand.self, GetCommand.self,
        ]
    )
}
