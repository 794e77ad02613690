import Glibc

/// Writes a line to standard error.
func printError(_ message: String) {
    fputs(message + "\n", stderr)
}
