import Glibc

/// Writes a line to standard error.
func printError(_ message: String) {
    writeError(message + "\n")
}

/// Writes text to standard error as is (progress lines use "\r" and no newline).
func writeError(_ text: String) {
    writeLine(text, to: STDERR_FILENO)
}

/// Writes text to a descriptor with as few system calls as possible: a line of up to PIPE_BUF bytes goes out in
/// one write(2), so lines of concurrent writers never interleave.
func writeLine(_ text: String, to descriptor: Int32) {
    var text = text
    text.withUTF8 { bytes in
        var written = 0
        while written < bytes.count {
            let result = write(descriptor, bytes.baseAddress.map { $0 + written }, bytes.count - written)
            if result < 0 {
                if errno == EINTR { continue }
                return
            }
            written += result
        }
    }
}
