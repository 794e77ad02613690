import Glibc

/// A file found for import.
struct ImportFile: Sendable {
    var path: String
    var size: Int64
}

/// Finds the regular files under the given paths, recursively, in a stable order.
///
/// Symbolic links to files are followed; symbolic links to folders are not (no loops). Paths that cannot be read
/// are returned with their reason.
enum FileWalker {
    static func files(under paths: [String]) -> (files: [ImportFile], unreadable: [(path: String, reason: String)]) {
        var files: [ImportFile] = []
        var unreadable: [(String, String)] = []
        for path in paths {
            walk(path, isArgument: true, into: &files, &unreadable)
        }
        return (files, unreadable)
    }

    private static func walk(
        _ path: String, isArgument: Bool, into files: inout [ImportFile], _ unreadable: inout [(String, String)]
    ) {
        var status = stat()
        // Arguments are followed even when they are links; links met inside folders only when they lead to files.
        guard lstat(path, &status) == 0 else {
            unreadable.append((path, String(cString: strerror(errno))))
            return
        }
        if status.st_mode & S_IFMT == S_IFLNK {
            var target = stat()
            guard stat(path, &target) == 0 else {
                unreadable.append((path, "broken link: " + String(cString: strerror(errno))))
                return
            }
            if target.st_mode & S_IFMT == S_IFDIR && !isArgument { return }
            status = target
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG:
            files.append(ImportFile(path: path, size: Int64(status.st_size)))
        case S_IFDIR:
            guard let directory = opendir(path) else {
                unreadable.append((path, String(cString: strerror(errno))))
                return
            }
            var names: [String] = []
            while let entry = readdir(directory) {
                let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                    pointer.withMemoryRebound(
                        to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)
                    ) { String(cString: $0) }
                }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(directory)
            let prefix = path.hasSuffix("/") ? path : path + "/"
            for name in names.sorted() {
                walk(prefix + name, isArgument: false, into: &files, &unreadable)
            }
        default:
            if isArgument { unreadable.append((path, "not a regular file or folder")) }
        }
    }
}
