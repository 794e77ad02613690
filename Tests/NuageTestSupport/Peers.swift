// Peer programs (DCMTK, pynetdicom scripts) and loopback ports for interop tests.
import Foundation
import NIOCore
import NIOPosix

/// A peer did not start or answer as a test expects.
public struct PeerError: Error, CustomStringConvertible {
    public var description: String
}

/// Runs a program without blocking the cooperative pool; standard output and error go to one temporary file.
@discardableResult
public func runProgram(
    _ path: String, _ arguments: [String], environment: [String: String] = ["TCP_NODELAY": "1"], directory: String? = nil
) async throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    var merged = ProcessInfo.processInfo.environment
    for (key, value) in environment { merged[key] = value }
    process.environment = merged
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("nuage-dimse-out-\(UUID().uuidString)").path
    _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: outputPath) }
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = handle
    process.standardError = handle
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
        do { try process.run() } catch { continuation.resume(throwing: error) }
    }
    try handle.close()
    let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    return (status, output)
}

/// A background program (a DCMTK storescp) for the duration of `body`; terminated by its own process ID after.
public func withBackgroundProgram<Result>(
    _ path: String, _ arguments: [String], _ body: () async throws -> Result
) async throws -> Result {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["TCP_NODELAY"] = "1"
    process.environment = environment
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    // SIGKILL by its own process ID: storescp and pynetdicom's server outlive Foundation's terminate().
    let processID = process.processIdentifier
    defer {
        kill(processID, SIGKILL)
        var status: Int32 = 0
        waitpid(processID, &status, 0)
    }
    return try await body()
}

/// A free TCP port on loopback (bound then released).
public func freePort() throws -> Int {
    let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).wait()
    defer { try? channel.close().wait() }
    return channel.localAddress?.port ?? 0
}

/// Waits until something listens on the port (a peer program just started).
public func waitForListener(port: Int) async throws {
    for _ in 0..<100 {
        if let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get() {
            try? await channel.close()
            return
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw PeerError(description: "nothing listens on port \(port)")
}

