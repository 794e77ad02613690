/// What a program asks its driver to do next.
package enum SQLProgramStep<Output> {
    /// Run the statements in order, in the current transaction, then resume the program with their rows.
    case run([SQLStatement])
    /// The program is done.
    case finished(Output)
}

/// One index operation written once for both databases, sans I/O: it hands statements to a driver and decides
/// what to do from the rows it gets back, so that SQLite's synchronous GRDB closures and PostgreSQL's asynchronous
/// connections drive the same logic (the style of postgres-nio's state machines: events in, actions out).
///
/// A driver calls `start()`, runs the statements of each `.run` step in order (one transaction for the whole
/// program when it writes), passes their rows to `resume(with:)`, and stops at `.finished`.
package protocol SQLProgram: Sendable {
    associatedtype Output: Sendable

    /// The first step.
    mutating func start() throws -> SQLProgramStep<Output>

    /// The next step, given the rows of each statement of the previous one (empty for statements that return none).
    mutating func resume(with results: [[SQLRow]]) throws -> SQLProgramStep<Output>

    /// Whether the program runs one statement, whatever its rows: a read of one statement sees one state of the
    /// index by itself, so a driver may run it outside a transaction. False unless a program says so.
    var runsOneStatement: Bool { get }
}

extension SQLProgram {
    package var runsOneStatement: Bool { false }
}

extension SQLStatement {
    /// Whether the statement returns rows (a query), so that the driver fetches them rather than only executing it.
    package var returnsRows: Bool {
        sql.hasPrefix("SELECT") || sql.hasPrefix("WITH")
    }
}

/// A backend's way of running programs: reads on any connection, writes in one transaction each.
package protocol SQLProgramRunner: Sendable {
    var dialect: SQLDialect { get }
    func read<Program: SQLProgram>(_ program: Program) async throws -> Program.Output
    func write<Program: SQLProgram>(_ program: Program) async throws -> Program.Output
}
