import Glibc

/// A file that says "a process is using this data folder", locked with flock(2) for as long as it is.
///
/// The lock dies with its process, so a marker whose lock can be taken belongs to a process that ended without
/// removing it: one that crashed or was killed, and may have left orphan blobs (committed, not indexed). Commands
/// that write reconcile the archive only then, instead of listing every blob at every start.
final class SessionMarker {
    private let descriptor: Int32
    private let path: String
    /// Markers of processes that died; remove them with `removeStale()` once the archive is reconciled.
    let stale: [String]

    init(folder: String) throws {
        let sessions = folder + "/sessions"
        if mkdir(sessions, 0o750) != 0 && errno != EEXIST {
            throw CommandFailure("cannot create \(sessions): \(String(cString: strerror(errno)))")
        }
        var generator = SystemRandomNumberGenerator()
        let name = String(generator.next() as UInt64, radix: 16) + ".session"
        let path = sessions + "/" + name
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            throw CommandFailure("cannot create the session marker \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            unlink(path)
            throw CommandFailure("cannot lock the session marker \(path): \(reason)")
        }
        var stale: [String] = []
        if let directory = opendir(sessions) {
            while let entry = readdir(directory) {
                let entryName = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                    pointer.withMemoryRebound(
                        to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)
                    ) { String(cString: $0) }
                }
                guard entryName.hasSuffix(".session"), entryName != name else { continue }
                let other = open(sessions + "/" + entryName, O_RDONLY | O_CLOEXEC)
                guard other >= 0 else { continue }
                if flock(other, LOCK_EX | LOCK_NB) == 0 { stale.append(sessions + "/" + entryName) }
                close(other)
            }
            closedir(directory)
        }
        self.descriptor = descriptor
        self.path = path
        self.stale = stale
    }

    /// Whether a process that used the folder died without closing its session.
    var previousSessionCrashed: Bool { !stale.isEmpty }

    /// Removes the markers of dead processes (after reconciliation).
    func removeStale() {
        for path in stale { unlink(path) }
    }

    deinit {
        unlink(path)
        close(descriptor)
    }
}
