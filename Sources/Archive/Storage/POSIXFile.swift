import Glibc
import NIOCore

/// Thin wrappers over the system calls of the file blob store: they retry on EINTR and throw `BlobStoreError.io`
/// with the operation, the path and errno. They block: call them on `BlockingIO`, never on the cooperative pool.
enum POSIXFile {
    /// open(2) with O_CLOEXEC added.
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o640) throws(BlobStoreError) -> Int32 {
        while true {
            let descriptor = Glibc.open(path, flags | O_CLOEXEC, mode)
            if descriptor >= 0 { return descriptor }
            if errno == EINTR { continue }
            throw .io(operation: "open", path: path, errno: errno)
        }
    }

    /// Opens the file for reading; nil when it does not exist.
    static func openForReadingIfPresent(_ path: String) throws(BlobStoreError) -> Int32? {
        do {
            return try open(path, O_RDONLY)
        } catch {
            if case .io(_, _, ENOENT) = error { return nil }
            throw error
        }
    }

    static func close(_ descriptor: Int32) {
        // Linux closes the descriptor even when close(2) reports EINTR: never retry.
        _ = Glibc.close(descriptor)
    }

    /// Writes every readable byte of `bytes`.
    static func writeAll(_ descriptor: Int32, _ bytes: ByteBuffer, path: String) throws(BlobStoreError) {
        let failure: Int32? = bytes.withUnsafeReadableBytes { source in
            var written = 0
            while written < source.count {
                let result = Glibc.write(descriptor, source.baseAddress.map { $0 + written }, source.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += result
            }
            return nil
        }
        if let failure { throw .io(operation: "write", path: path, errno: failure) }
    }

    /// Reads up to `count` bytes (fewer only at the end of the file) into `buffer`, from the file position, or from
    /// `offset` when given (pread(2)); returns how many.
    static func read(_ descriptor: Int32, at offset: Int64? = nil, count: Int, into buffer: inout ByteBuffer, path: String)
        throws(BlobStoreError) -> Int
    {
        var total = 0
        while total < count {
            var failure: Int32 = 0
            let read = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count - total) { target in
                let result =
                    if let offset {
                        Glibc.pread(descriptor, target.baseAddress, count - total, off_t(offset) + off_t(total))
                    } else {
                        Glibc.read(descriptor, target.baseAddress, count - total)
                    }
                if result < 0 { failure = errno }
                return max(result, 0)
            }
            if failure == EINTR { continue }
            if failure != 0 { throw .io(operation: offset == nil ? "read" : "pread", path: path, errno: failure) }
            if read == 0 { break }
            total += read
        }
        return total
    }

    /// fdatasync(2): the file's data and the metadata needed to read it back (its size) reach the disk.
    static func syncData(_ descriptor: Int32, path: String) throws(BlobStoreError) {
        while fdatasync(descriptor) != 0 {
            if errno == EINTR { continue }
            throw .io(operation: "fdatasync", path: path, errno: errno)
        }
    }

    /// fsync(2) of a directory: the entries created, renamed or removed in it reach the disk.
    static func syncDirectory(_ path: String) throws(BlobStoreError) {
        let descriptor = try open(path, O_RDONLY | O_DIRECTORY)
        defer { close(descriptor) }
        while fsync(descriptor) != 0 {
            if errno == EINTR { continue }
            throw .io(operation: "fsync", path: path, errno: errno)
        }
    }

    /// mkdir(2); true when this call created the directory, false when it existed.
    static func makeDirectory(_ path: String, mode: mode_t = 0o750) throws(BlobStoreError) -> Bool {
        if mkdir(path, mode) == 0 { return true }
        if errno == EEXIST { return false }
        throw .io(operation: "mkdir", path: path, errno: errno)
    }

    /// rename(2).
    static func rename(_ source: String, to destination: String) throws(BlobStoreError) {
        guard Glibc.rename(source, destination) == 0 else {
            throw .io(operation: "rename", path: destination, errno: errno)
        }
    }

    /// unlink(2); false when there was nothing to remove.
    static func unlink(_ path: String) throws(BlobStoreError) -> Bool {
        if Glibc.unlink(path) == 0 { return true }
        if errno == ENOENT { return false }
        throw .io(operation: "unlink", path: path, errno: errno)
    }

    /// fstat(2) of an open descriptor; `path` names it in the error.
    static func status(of descriptor: Int32, path: String) throws(BlobStoreError) -> stat {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .io(operation: "fstat", path: path, errno: errno) }
        return status
    }

    /// What stat(2) says of a path, nil when it does not exist.
    static func status(_ path: String) throws(BlobStoreError) -> stat? {
        var status = stat()
        if stat(path, &status) == 0 { return status }
        if errno == ENOENT || errno == ENOTDIR { return nil }
        throw .io(operation: "stat", path: path, errno: errno)
    }

    /// The names in a directory (without "." and ".."), unsorted; empty when the directory does not exist.
    static func entries(of path: String) throws(BlobStoreError) -> [String] {
        guard let directory = opendir(path) else {
            if errno == ENOENT { return [] }
            throw .io(operation: "opendir", path: path, errno: errno)
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
                    String(cString: $0)
                }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// flock(2) without waiting; false when another open file description holds a conflicting lock.
    static func tryLock(_ descriptor: Int32, exclusive: Bool, path: String) throws(BlobStoreError) -> Bool {
        while flock(descriptor, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            if errno == EWOULDBLOCK { return false }
            throw .io(operation: "flock", path: path, errno: errno)
        }
        return true
    }
}
